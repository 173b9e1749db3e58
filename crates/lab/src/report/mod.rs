//! What an experiment produced, and how it is shown and kept.
//!
//! * [`model`]: the data — [`Row`]s of params, metrics and timings, and the
//!   [`Report`] that holds them with a summary, notes and plots.
//! * [`columns`]: the columns every renderer shows, named once.
//! * [`table`](mod@table) and [`csv`](mod@csv): the renderings — the aligned table a
//!   student reads in the terminal, the CSV a spreadsheet reads.
//! * [`files`]: what is kept — the JSON results file of DESIGN.md's results
//!   contract, the CSV and the SVGs, each written atomically.
//!
//! Dependencies point one way: the renderers and the files read the model, the
//! model knows neither. What a row gains later (a noise warning, a prediction, a
//! time ledger) is added to the model and to [`columns`], once; see there.
//!
//! Metrics come in two sorts. Deterministic ones (checksums, counts, model values,
//! estimates) are the same on every run and machine, and the snapshot tests hold
//! them. Measured ones (rates, latencies, scheduling counters) vary from run to run;
//! they are added with [`Row::measured`] and listed in the results file's
//! `measured` field, so tests and graders know to leave them out.

pub mod columns;
pub mod csv;
pub mod files;
pub mod model;
pub mod table;

pub use csv::csv;
pub use files::{ResultsFile, stop_writes, write_atomic, write_results};
pub use model::{Fields, Report, Row};
pub use table::table;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Timing;
    use serde_json::Value;

    /// One timed run of `secs`.
    fn t(secs: f64) -> Timing {
        Timing::from_durations(&[std::time::Duration::from_secs_f64(secs)])
    }

    #[test]
    fn speedups_are_relative_to_the_one_worker_row_with_the_same_other_params() {
        let mut r = Report::new();
        for (pool, w, secs) in [
            ("threads", 1, 4.0),
            ("threads", 2, 4.0),
            ("processes", 1, 8.0),
            ("processes", 2, 4.0),
        ] {
            r.push(
                Row::new()
                    .param("pool", pool)
                    .param("workers", w)
                    .timing(t(secs)),
            );
        }
        r.derive_speedups();
        let s: Vec<_> = r.rows.iter().map(|r| r.speedup.unwrap()).collect();
        assert_eq!(s, vec![1.0, 1.0, 1.0, 2.0]);
        assert_eq!(r.rows[3].efficiency, Some(1.0));
    }

    #[test]
    fn measured_names_gather_rows_and_summary() {
        let mut r = Report::new();
        r.push(Row::new().metric("checksum", 1).measured("rate", 2.0));
        r.push(Row::new().measured("latency_us", 3.0));
        r.summary_measured("total_s", 4.0);
        r.summary("fitted", 0.1);
        assert_eq!(r.measured_names(), ["latency_us", "rate", "total_s"]);
        assert!(r.rows[0].is_measured("rate") && !r.rows[0].is_measured("checksum"));
        assert!(r.is_summary_measured("total_s") && !r.is_summary_measured("fitted"));
    }

    #[test]
    fn redacted_tables_hide_only_what_varies() {
        let mut r = Report::new();
        r.push(
            Row::new()
                .param("workers", 2)
                .metric("checksum", 42)
                .measured("latency_us", 17.5)
                .timing(t(0.5))
                .speedup(1.9, 0.95),
        );
        let text = table(&r, true);
        assert!(
            text.contains("42") && !text.contains("17.5") && !text.contains("1.90"),
            "{text}"
        );
        assert!(table(&r, false).contains("17.5"));
    }

    /// A report with every sort of cell: strings and numbers, a measured metric,
    /// a row without timing, a speedup, a summary.
    fn every_sort_of_cell() -> Report {
        let mut r = Report::new();
        r.push(
            Row::new()
                .param("mode", "threads")
                .param("workers", 1)
                .metric("checksum", 42)
                .metric("model", 1.0 / 3.0)
                .measured("rate", 1234.5678)
                .timing(Timing {
                    median_s: 0.25,
                    min_s: 0.2,
                    max_s: 0.3,
                    repeats: 5,
                }),
        );
        r.push(
            Row::new()
                .param("mode", "processes, 2")
                .param("workers", 2)
                .metric("checksum", 42)
                .metric("none", Value::Null)
                .timing(t(0.125)),
        );
        r.push(Row::new().param("mode", "model").metric("model", 3.9e-6));
        r.derive_speedups();
        r.summary("fitted", 0.1);
        r.summary_measured("total_s", 1.5);
        r
    }

    #[test]
    fn tables_align_columns_and_redact_what_varies() {
        let r = every_sort_of_cell();
        assert_eq!(
            table(&r, false),
            concat!(
                "  mode          workers  checksum     model    rate  none  time_ms  spread_%  speedup  efficiency\n",
                "  threads             1        42   0.33333  1234.6            250        40     1.00        1.00\n",
                "  processes, 2        2        42                       -      125         0\n",
                "  model                            3.900e-6\n",
                "  fitted = 0.1\n",
                "  total_s = 1.5\n",
            )
        );
        assert_eq!(
            table(&r, true),
            concat!(
                "  mode          workers  checksum     model  rate  none  time_ms  spread_%  speedup  efficiency\n",
                "  threads             1        42   0.33333     ~              ~         ~        ~           ~\n",
                "  processes, 2        2        42                     -        ~         ~\n",
                "  model                            3.900e-6\n",
                "  fitted = 0.1\n",
                "  total_s = ~\n",
            )
        );
    }

    #[test]
    fn csv_has_every_column_and_raw_values() {
        assert_eq!(
            csv(&every_sort_of_cell()),
            concat!(
                "mode,workers,checksum,model,rate,none,median_s,min_s,max_s,repeats,spread,speedup,efficiency\n",
                "threads,1,42,0.3333333333333333,1234.5678,,0.25,0.2,0.3,5,0.3999999999999999,1,1\n",
                "\"processes, 2\",2,42,,,null,0.125,0.125,0.125,1,0,,\n",
                "model,,,3.9e-6,,,,,,,,,\n",
            )
        );
    }

    #[test]
    fn table_and_csv_share_one_column_order_params_first() {
        let mut r = Report::new();
        r.push(Row::new().param("pool", "threads").metric("checksum", 1));
        r.push(Row::new().param("workers", 2).metric("checksum", 1));
        let header = |text: &str| {
            let first = text.lines().next().unwrap().replace(',', " ");
            first
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(header(&table(&r, false)), ["pool", "workers", "checksum"]);
        assert_eq!(header(&csv(&r))[..3], ["pool", "workers", "checksum"]);
    }

    #[test]
    fn csv_quotes_fields_with_commas() {
        let mut r = Report::new();
        r.push(Row::new().param("mode", "a,b").metric("n", 1));
        assert_eq!(csv(&r).lines().nth(1).unwrap(), "\"a,b\",1,,,,,,,");
    }
}
