//! `cargo xtask quiz <lesson> [--answers 2,1,3]`: a lesson's quick checks, asked in
//! the terminal with immediate feedback, or graded from a list of answers.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub question: Vec<Spanned<Question>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    /// 1-based index of the correct choice.
    pub answer: Spanned<i64>,
    pub explanation: String,
}

/// Reads and checks a quiz file; errors name `file:line`.
pub fn load(path: &Path) -> anyhow::Result<Quiz> {
    let shown = crate::shown(path);
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let quiz: Quiz = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(s.start));
        anyhow::anyhow!("{shown}:{line}: {}", e.message().trim_end())
    })?;
    if quiz.question.is_empty() {
        bail!("{shown}:1: a quiz needs at least one [[question]]");
    }
    for q in &quiz.question {
        let line = line_of(q.span().start);
        let inner = q.get_ref();
        if inner.choices.len() < 2 {
            bail!("{shown}:{line}: a question needs at least two choices");
        }
        let answer = *inner.answer.get_ref();
        if answer < 1 || answer as usize > inner.choices.len() {
            bail!(
                "{shown}:{}: `answer` is the number of the correct choice, from 1 to {}; found {answer}",
                line_of(inner.answer.span().start),
                inner.choices.len()
            );
        }
        if inner.prompt.trim().is_empty() || inner.explanation.trim().is_empty() {
            bail!("{shown}:{line}: a question needs a prompt and an explanation");
        }
    }
    Ok(quiz)
}

pub fn quiz(lesson: &str, answers: Option<&str>) -> anyhow::Result<ExitCode> {
    let path = crate::lessons::find(lesson)?.quiz();
    if !path.exists() {
        bail!(
            "{lesson} has no quiz yet ({} is missing)",
            crate::shown(&path)
        );
    }
    let quiz = load(&path)?;
    let questions: Vec<&Question> = quiz.question.iter().map(|q| q.get_ref()).collect();

    let given: Vec<Option<usize>> = match answers {
        Some(list) => {
            let parsed: Vec<usize> = list
                .split(',')
                .map(|a| {
                    a.trim().parse::<usize>().with_context(|| {
                        format!("--answers takes numbers like 2,1,3; \"{a}\" is not one")
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            if parsed.len() != questions.len() {
                bail!(
                    "{lesson}'s quiz has {} questions; --answers gave {}",
                    questions.len(),
                    parsed.len()
                );
            }
            parsed.into_iter().map(Some).collect()
        }
        None => {
            if !std::io::stdin().is_terminal() {
                bail!(
                    "the quiz asks in a terminal; without one, grade a list of answers: cargo xtask quiz {lesson} --answers 2,1,3"
                );
            }
            vec![None; questions.len()]
        }
    };

    say!("{lesson} quiz: {} questions\n", questions.len());
    let stdin = std::io::stdin();
    let mut score = 0;
    for (i, (q, given)) in questions.iter().zip(given).enumerate() {
        say!("{}. {}", i + 1, q.prompt);
        for (j, c) in q.choices.iter().enumerate() {
            say!("   {}) {c}", j + 1);
        }
        let choice = match given {
            Some(a) => a,
            None => loop {
                let _ = write!(std::io::stdout(), "your answer (1-{}): ", q.choices.len());
                std::io::stdout().flush()?;
                let mut line = String::new();
                if stdin.lock().read_line(&mut line)? == 0 {
                    bail!("input ended before the quiz did");
                }
                match line.trim().parse::<usize>() {
                    Ok(n) if (1..=q.choices.len()).contains(&n) => break n,
                    _ => say!("   type a number from 1 to {}", q.choices.len()),
                }
            },
        };
        let right = *q.answer.get_ref() as usize;
        if choice == right {
            score += 1;
            say!("   ✓ correct. {}\n", q.explanation.trim());
        } else {
            say!(
                "   ✗ you chose {choice}; the answer is {right}) {}. {}\n",
                q.choices[right - 1],
                q.explanation.trim()
            );
        }
    }
    say!("score: {score} / {}", questions.len());
    Ok(if score == questions.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILED)
    })
}

/// The correct answers of a lesson's quiz, as `--answers` takes them (for CI).
pub fn correct_answers(path: &Path) -> anyhow::Result<String> {
    let quiz = load(path)?;
    Ok(quiz
        .question
        .iter()
        .map(|q| q.get_ref().answer.get_ref().to_string())
        .collect::<Vec<_>>()
        .join(","))
}
