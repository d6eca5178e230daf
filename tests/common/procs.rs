//! This process's children (the reader workers) as Linux sees them in `/proc`, for tests and
//! the benchmark that check their limits and memory. Reads only `/proc`.

/// The process ids of this process's children.
pub fn children() -> Vec<String> {
    let me = std::process::id().to_string();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                // Fields after the ")" that ends the command name: state, ppid, ...
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    == Some(me.as_str())
            })
        })
        .collect()
}
