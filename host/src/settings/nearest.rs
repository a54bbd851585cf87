//! "Did you mean": the name nearest a misspelt one, for a settings file's keys and values.

/// The name nearest `word`, when it is near: by Jaro similarity above 0.7, clap's own
/// measure for flags and their values. A file's keys and values are suggested by it.
pub(super) fn nearest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|&name| (strsim::jaro(word, name), name))
        .filter(|&(similarity, _)| similarity > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}
