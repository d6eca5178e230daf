//! Summaries of repeated measurements: the best of several runs, and quantiles of frame
//! times. Pure arithmetic.

/// The fastest of `n` runs (seconds) and what that run returned.
pub fn best_of_with<T>(
    n: usize,
    mut run: impl FnMut() -> anyhow::Result<(f64, T)>,
) -> anyhow::Result<(f64, T)> {
    let mut best: Option<(f64, T)> = None;
    for _ in 0..n.max(1) {
        let (t, v) = run()?;
        if best.as_ref().is_none_or(|(b, _)| t < *b) {
            best = Some((t, v));
        }
    }
    best.ok_or_else(|| anyhow::anyhow!("no runs"))
}

/// The fastest of `n` runs, in seconds.
pub fn best_of(n: usize, mut run: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    best_of_with(n, || run().map(|t| (t, ()))).map(|(t, ())| t)
}

/// The `q` quantile of `v` (0.5: the median, 1: the maximum); 0 for no values.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(((s.len().saturating_sub(1)) as f64 * q).round() as usize)
        .copied()
        .unwrap_or(0.0)
}
