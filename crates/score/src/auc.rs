//! The area under the ROC curve of a score for a binary truth: the probability that a random good item scores
//! above a random bad one (ties count half), by the rank-sum (Mann–Whitney U) in O(n log n).

/// The AUC of `scores` against `truth` (same length); `None` when either class is empty.
pub fn auc(scores: &[f64], truth: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len().min(truth.len())).collect();
    order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let (mut rank_sum, mut n_good) = (0.0, 0usize);
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start .. end (1-based: start+1 .. end+1) share their mean.
        let mean_rank = (start + end) as f64 / 2.0 + 1.0;
        for &i in &order[start..=end] {
            if truth[i] {
                rank_sum += mean_rank;
                n_good += 1;
            }
        }
        start = end + 1;
    }
    let n_bad = order.len() - n_good;
    if n_good == 0 || n_bad == 0 {
        return None;
    }
    let u = rank_sum - (n_good * (n_good + 1)) as f64 / 2.0;
    Some(u / (n_good as f64 * n_bad as f64))
}

#[cfg(test)]
mod tests {
    use super::auc;

    #[test]
    fn perfect_inverted_tied_and_empty() {
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]), Some(0.0));
        assert_eq!(auc(&[0.5, 0.5, 0.5, 0.5], &[false, true, false, true]), Some(0.5));
        assert_eq!(auc(&[0.5], &[true]), None);
    }
}
