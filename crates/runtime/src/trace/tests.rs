//! Tracing is process-wide: these tests take one lock so that one test's
//! `take` does not collect another's spans, and look only at their own
//! threads' tracks (other unit tests may record while tracing is on).

use std::sync::Mutex;

use super::*;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on a thread named `name` and returns that thread's track.
fn on_thread(name: &str, f: impl FnOnce() + Send + 'static) -> Option<Track> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
    take().into_iter().find(|t| t.name == name)
}

#[test]
fn nothing_is_recorded_while_off() {
    let _one = lock();
    disable();
    let track = on_thread("trace-test-off", || {
        let _span = span(State::Task);
        record(State::Idle, 1, 2);
    });
    assert_eq!(track, None);
}

#[test]
fn a_full_buffer_counts_what_it_drops() {
    let _one = lock();
    set_capacity(10);
    enable();
    let track = on_thread("trace-test-cap", || {
        for i in 0..25 {
            record(State::Task, i, i + 1);
        }
    });
    disable();
    set_capacity(DEFAULT_CAPACITY);
    let track = track.expect("the thread's track");
    assert_eq!(track.spans.len(), 10);
    assert_eq!(track.dropped, 15);
    assert_eq!(track.spans[9].start_ns, 9, "the first spans are kept");
}

#[test]
fn take_collects_every_thread_once_on_one_clock() {
    let _one = lock();
    enable();
    let before = now_ns();
    let handles: Vec<_> = (0..3)
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("trace-test-many-{i}"))
                .spawn(move || {
                    let _task = span(State::Task);
                    let _wait = span(State::LockWait);
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    disable();
    let after = now_ns();
    let tracks: Vec<Track> = take()
        .into_iter()
        .filter(|t| t.name.starts_with("trace-test-many-"))
        .collect();
    assert_eq!(tracks.len(), 3);
    let mut tids: Vec<u64> = tracks.iter().map(|t| t.tid).collect();
    tids.dedup();
    assert_eq!(tids.len(), 3, "one tid per thread");
    for t in &tracks {
        assert_eq!(t.pid, std::process::id());
        // Inner span ends first; both lie within the test's window.
        let states: Vec<State> = t.spans.iter().map(|s| s.state).collect();
        assert_eq!(states, [State::LockWait, State::Task]);
        assert!(t.spans[1].start_ns <= t.spans[0].start_ns);
        assert!(t.spans[0].end_ns <= t.spans[1].end_ns);
        assert!(
            t.spans
                .iter()
                .all(|s| before <= s.start_ns && s.end_ns <= after)
        );
    }
    assert!(
        take()
            .iter()
            .all(|t| !t.name.starts_with("trace-test-many-")),
        "a second take finds them drained"
    );
}

#[test]
fn a_process_track_gathers_what_its_chunks_sent() {
    let _one = lock();
    let pid = u32::MAX - 7;
    let span = |s| Span {
        state: State::Task,
        start_ns: s,
        end_ns: s + 5,
    };
    let reading = |at_ns| CoreWaitSample {
        at_ns,
        waited_ns: 0,
    };
    record_process(pid, (vec![span(1), span(10)], 0, vec![reading(1)]));
    record_process(pid, (vec![span(20)], 2, vec![reading(25)]));
    let track = take()
        .into_iter()
        .find(|t| t.pid == pid)
        .expect("its track");
    assert_eq!(track.spans.len(), 3);
    assert_eq!(track.dropped, 2);
    assert_eq!(track.core_wait, [reading(1), reading(25)]);
    assert_eq!(track.name, format!("worker process {pid}"));
}

/// Spans carry readings of the thread's wait for a core where the system
/// gives them: at the first span's start, then at most one per
/// `SAMPLE_EVERY_NS`, in time order and never decreasing.
#[test]
fn spans_carry_core_wait_readings_where_the_system_counts_them() {
    let _one = lock();
    enable();
    let track = on_thread("trace-test-core-wait", || {
        for _ in 0..200 {
            let _task = span(State::Task);
            std::hint::black_box((0..1000u64).sum::<u64>());
        }
    });
    disable();
    let track = track.expect("the thread's track");
    if !measures_core_wait() {
        assert!(track.core_wait.is_empty(), "no readings here");
        return;
    }
    let readings = &track.core_wait;
    assert!(!readings.is_empty(), "the first span's start is read");
    assert_eq!(readings[0].at_ns, track.spans[0].start_ns);
    let first = track.spans[0].start_ns;
    let last = track.spans.last().unwrap().end_ns;
    let most = (last - first) / core_wait::SAMPLE_EVERY_NS + 2;
    assert!(readings.len() as u64 <= most, "{} readings", readings.len());
    for pair in readings.windows(2) {
        assert!(pair[0].at_ns < pair[1].at_ns);
        assert!(pair[0].waited_ns <= pair[1].waited_ns);
    }
}

#[test]
fn state_codes_round_trip() {
    for state in State::ALL {
        assert_eq!(State::from_code(state.code()), Some(state));
    }
    assert_eq!(State::from_code(200), None);
}
