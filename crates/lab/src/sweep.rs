//! Sweeps: `[experiment.sweep]` axes expand to the Cartesian product of their
//! values, first axis slowest, in the order they are written.

/// Every combination of one value per axis. No axes give one empty point.
pub fn expand<V: Clone>(axes: &[(String, Vec<V>)]) -> Vec<Vec<(String, V)>> {
    let mut points: Vec<Vec<(String, V)>> = vec![Vec::new()];
    for (key, values) in axes {
        points = points
            .into_iter()
            .flat_map(|point| {
                values.iter().map(move |v| {
                    let mut p = point.clone();
                    p.push((key.clone(), v.clone()));
                    p
                })
            })
            .collect();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_expand_to_their_product_first_axis_slowest() {
        let axes = vec![
            ("pool".to_string(), vec!["t", "p"]),
            ("workers".to_string(), vec!["1", "2", "4"]),
        ];
        let points = expand(&axes);
        assert_eq!(points.len(), 6);
        let flat: Vec<String> = points
            .iter()
            .map(|p| format!("{}{}", p[0].1, p[1].1))
            .collect();
        assert_eq!(flat, ["t1", "t2", "t4", "p1", "p2", "p4"]);
        assert_eq!(expand::<i32>(&[]), vec![Vec::new()]);
    }
}
