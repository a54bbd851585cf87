//! What a PRTG probe gives the programs it runs, and where it keeps their files: the
//! placeholders it sets as environment values ("Set placeholders as environment values" in
//! the EXE/Script Advanced and Script v2 sensors' settings), and the spec's "Store result"
//! folder, the `Logs\sensors` subfolder of the PRTG data directory.

use std::path::PathBuf;

/// The device's address: the default `--host`.
pub const HOST_VARIABLE: &str = "prtg_host";

/// The sensor's ID: the default `--sensor-id` (the stored files' names).
pub const SENSOR_ID_VARIABLE: &str = "prtg_sensorid";

/// The folder "Store result" writes to when `--store-result` names none: `Logs\sensors` in
/// the PRTG data directory, created if the data directory is there but it is not. An error
/// (the fix, for `--store-result`) where there is no PRTG data directory.
pub fn store_folder(env: impl Fn(&str) -> Option<String>) -> Result<PathBuf, String> {
    if !cfg!(windows) {
        return Err(
            "give the folder: without one it means the PRTG data directory of a Windows \
             probe, and this is not Windows"
                .into(),
        );
    }
    let program_data = env("ProgramData").filter(|dir| !dir.is_empty()).ok_or(
        "give the folder: %ProgramData% is not set, so the PRTG data directory is unknown",
    )?;
    // PRTG's default data directory (the PRTG Administration Tool shows a custom one,
    // which is then given to `--store-result`).
    let data = PathBuf::from(program_data)
        .join("Paessler")
        .join("PRTG Network Monitor");
    if !data.is_dir() {
        return Err(format!(
            "give the folder: there is no PRTG data directory at {} (a custom data path is in \
             the PRTG Administration Tool)",
            data.display()
        ));
    }
    let folder = data.join("Logs").join("sensors");
    std::fs::create_dir_all(&folder).map_err(|e| {
        format!(
            "cannot create {}: {e}; give a folder you can write to",
            folder.display()
        )
    })?;
    Ok(folder)
}

/// The sensor's ID that PRTG set in the environment, if any; an error for one that is no
/// number.
pub fn sensor_id(env: impl Fn(&str) -> Option<String>) -> Result<Option<u32>, String> {
    match env(SENSOR_ID_VARIABLE) {
        None => Ok(None),
        Some(value) => value.trim().parse().map(Some).map_err(|_| {
            format!("{SENSOR_ID_VARIABLE} is {value:?}, not a sensor ID; give --sensor-id N")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sensor_id_comes_from_prtg_sensorid() {
        assert_eq!(sensor_id(|_| None), Ok(None));
        assert_eq!(sensor_id(|_| Some("2044".into())), Ok(Some(2044)));
        let error = sensor_id(|_| Some("abc".into())).unwrap_err();
        assert!(
            error.contains("prtg_sensorid") && error.contains("--sensor-id"),
            "{error}"
        );
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_than_windows_the_folder_must_be_given() {
        let error = store_folder(|_| Some("/tmp".into())).unwrap_err();
        assert!(error.contains("give the folder"), "{error}");
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_it_is_logs_sensors_in_the_data_directory() {
        let base = std::env::temp_dir().join(format!("prtg-data-{}", std::process::id()));
        let env = |_: &str| Some(base.display().to_string());
        assert!(
            store_folder(env)
                .unwrap_err()
                .contains("no PRTG data directory")
        );
        std::fs::create_dir_all(base.join("Paessler").join("PRTG Network Monitor")).unwrap();
        let folder = store_folder(env).unwrap();
        assert!(folder.ends_with("Paessler/PRTG Network Monitor/Logs/sensors"));
        assert!(folder.is_dir());
        std::fs::remove_dir_all(base).unwrap();
    }
}
