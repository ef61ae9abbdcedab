//! Object names of export files and the content of `index.txt`.
//!
//! A file is `{root}/{start + R}-{end + R}-{n:05}.zip` with the *unmodified* batch start and end
//! (the split-file offset is not in the name) and `R = REPROCESS_COUNT`, which only renames
//! objects when batches are regenerated. The index lists full object paths, de-duplicated and
//! sorted as strings (10-digit unix times make that chronological), joined by `\n` with no
//! trailing newline; no files give an empty index.

/// The object name of file `file_num` (1-based) of a batch.
pub fn file_name(root: &str, start: i64, end: i64, file_num: usize, reprocess: i64) -> String {
    format!(
        "{root}/{}-{}-{file_num:05}.zip",
        start + reprocess,
        end + reprocess
    )
}

/// The object name of a config's index.
pub fn index_name(root: &str) -> String {
    format!("{root}/index.txt")
}

/// The content of `index.txt`.
pub fn index_content(names: impl IntoIterator<Item = String>) -> String {
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort();
    names.dedup();
    names.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Conformance case C15 and C17.
    #[test]
    fn file_names() {
        assert_eq!(file_name("v1", 0, 0, 1, 0), "v1/0-0-00001.zip");
        assert_eq!(file_name("v2", 100, 300, 1, 3), "v2/103-303-00001.zip");
        assert_eq!(
            file_name("us", 1_607_590_800, 1_607_594_400, 12, 0),
            "us/1607590800-1607594400-00012.zip"
        );
    }

    #[test]
    fn index_is_sorted_unique_without_trailing_newline() {
        let content = index_content(
            [
                "r/2-3-00001.zip",
                "r/1-2-00002.zip",
                "r/1-2-00001.zip",
                "r/2-3-00001.zip",
            ]
            .map(String::from),
        );
        assert_eq!(content, "r/1-2-00001.zip\nr/1-2-00002.zip\nr/2-3-00001.zip");
        assert_eq!(index_content(Vec::new()), "");
    }
}
