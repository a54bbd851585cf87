//! The man pages and shell completions, made from the command line's own definition
//! (handed in by [`super::commands`], which runs this and tests it on the real command line)
//! so that they cannot drift from it. The packaging script runs `smtp-sensor generate-docs
//! --output DIR` with the binary it packages.

use crate::exit_code;
use clap_complete::Shell;
use std::path::Path;

/// Writes `DIR/man/*.1` (`smtp-sensor(1)` and one page per subcommand) and
/// `DIR/completions/` (bash, zsh, fish) for `command`; the exit code.
pub fn main(command: clap::Command, dir: &Path) -> i32 {
    match write(command, dir) {
        Ok(()) => exit_code::UP,
        Err(error) => {
            eprintln!(
                "smtp-sensor generate-docs: cannot write into --output {}: {error}",
                dir.display()
            );
            exit_code::USAGE
        }
    }
}

/// The shells whose completions are written, with their file names (each as the shell
/// looks for it in its vendor folder).
const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "smtp-sensor"),
    (Shell::Zsh, "_smtp-sensor"),
    (Shell::Fish, "smtp-sensor.fish"),
];

/// Writes both for `command`.
pub fn write(command: clap::Command, dir: &Path) -> std::io::Result<()> {
    let man = dir.join("man");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(command.clone(), &man)?;
    let completions = dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for (shell, file) in SHELLS {
        let mut command = command.clone();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, BIN_NAME, &mut script);
        let mut script = String::from_utf8_lossy(&script).into_owned();
        if shell == Shell::Bash {
            script = bash_case_labels_fixed(&script);
        }
        std::fs::write(completions.join(file), script)?;
    }
    Ok(())
}

/// The command's name.
const BIN_NAME: &str = "smtp-sensor";

/// clap_complete 4.6's bash script names each subcommand's case after the command's name
/// with `-` made `__subcmd__` (`smtp__subcmd__sensor__subcmd__check`), but sets `cmd` to it
/// with `-` made `__` (`smtp__sensor__subcmd__check`): no subcommand's case ever matches and
/// nothing after the subcommand completes. The labels are given the name `cmd` uses.
fn bash_case_labels_fixed(script: &str) -> String {
    let function = BIN_NAME.replace('-', "__");
    let wrong = BIN_NAME.replace('-', "__subcmd__");
    script.replace(
        &format!("{wrong}__subcmd__"),
        &format!("{function}__subcmd__"),
    )
}
