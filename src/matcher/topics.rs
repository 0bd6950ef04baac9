//! Topic profiles: the question bank's topics learned as a classifier over
//! the model's vectors, so that two texts are also compared by which of the
//! bank's topics they ask about.
//!
//! A sentence vector mixes what a question is about with how it is worded:
//! "Are anti-malware services configured on managed endpoints?" is about as
//! close to the server anti-malware entry as to the endpoint one. The bank
//! holds about 19 wordings of each of its facts, so it says which directions
//! of the vector tell facts apart and which only follow the wording. A
//! multinomial logistic regression fitted on the bank's wordings (one class
//! per topic) turns a vector into a distribution over the topics; two texts
//! are compared by the Bhattacharyya coefficient of their distributions
//! (the dot product of their square roots, 1 for the same distribution).
//!
//! Like the bank's bridge, the profile only ranks candidates: `auto` is
//! decided without it.
//!
//! The fit is done once per model and bank, in a few seconds on two cores,
//! and kept beside the embedding cache ([`fitted`]).

use crate::embed::{Cache, EmbedError, Matrix};

/// L2 penalty of the fit, as the inverse of its strength per wording
/// (scikit-learn's `C`): weak, since the bank has about 19 wordings per
/// topic and the classes overlap where facts are neighbours.
const INVERSE_PENALTY: f64 = 30.0;
/// Quasi-Newton steps of the fit: past 20 the profiles rank the labeled sets
/// alike (`eval/README.md`).
const STEPS: usize = 30;
/// Corrections the quasi-Newton method remembers.
const MEMORY: usize = 10;

/// What the fit is, besides the wordings it is fitted on: a change refits.
const RECIPE: &str =
    "vetted topic profiles 1: multinomial logistic regression, C 30, 30 L-BFGS steps";

/// The classifier of the bank's topics for the model of `cache`, fitted on
/// `wordings` (per topic, the vectors of its wordings, whose texts are
/// `texts`): read from the cache when fitted on the same texts, else fitted
/// and cached. `None` when there is nothing to fit; the second value is a
/// failure to write the cache.
pub fn fitted(
    wordings: &[Vec<Vec<f32>>],
    texts: &[Vec<String>],
    cache: Option<&Cache>,
) -> Result<(Option<Topics>, Option<EmbedError>), EmbedError> {
    let Some(cache) = cache else {
        return Ok((Topics::fit(wordings)?, None));
    };
    let made_from: Vec<&str> = std::iter::once(RECIPE)
        .chain(
            texts
                .iter()
                .flat_map(|ts| ts.iter().map(String::as_str).chain(["\u{1}"])),
        )
        .collect();
    let topics = wordings.len();
    let dim = wordings.iter().flatten().next().map_or(0, Vec::len);
    // Values of another shape, or damaged (not numbers), are fitted again.
    // An empty run says there was nothing to fit.
    let usable = |v: &[f32]| v.is_empty() || Topics::check(v, topics, dim).is_ok();
    let (values, written) = cache.derived("topics", &made_from, usable, || {
        Ok(fit_values(wordings)?.unwrap_or_default())
    })?;
    if values.is_empty() {
        return Ok((None, written));
    }
    Ok((Topics::from_values(values, topics, dim).ok(), written))
}

/// The fitted classifier.
pub struct Topics {
    /// Per topic: its weights over the vector's dimensions.
    weights: Matrix,
    /// Per topic: its bias.
    bias: Vec<f32>,
    dim: usize,
}

impl Topics {
    /// Fits the classifier on the bank's `wordings` (per topic, the vectors
    /// of its wordings). `None` when there is nothing to fit.
    pub fn fit(wordings: &[Vec<Vec<f32>>]) -> Result<Option<Topics>, EmbedError> {
        let dim = wordings.iter().flatten().next().map_or(0, Vec::len);
        Ok(fit_values(wordings)?.and_then(|v| Topics::from_values(v, wordings.len(), dim).ok()))
    }

    /// Whether `values` can be a classifier for `topics` topics over
    /// vectors of `dim` values: as many values, all numbers.
    fn check(values: &[f32], topics: usize, dim: usize) -> Result<(), EmbedError> {
        if values.len() != Topics::size(topics, dim) {
            return Err(EmbedError::Run(
                "topic profiles of another size than the bank".into(),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(EmbedError::Run(
                "topic profiles that are not numbers".into(),
            ));
        }
        Ok(())
    }

    /// The classifier from the values it keeps (weights row after row, then
    /// biases, as cached), for `topics` topics over vectors of `dim` values.
    pub fn from_values(values: Vec<f32>, topics: usize, dim: usize) -> Result<Topics, EmbedError> {
        Topics::check(&values, topics, dim)?;
        let mut weights = values;
        let bias = weights.split_off(topics * dim);
        Ok(Topics {
            weights: Matrix::from_flat(weights, topics, dim)?,
            bias,
            dim,
        })
    }

    /// How many values a classifier keeps for `topics` topics over vectors
    /// of `dim` values.
    pub fn size(topics: usize, dim: usize) -> usize {
        topics * dim + topics
    }

    /// Per vector: the square roots of its topic probabilities, a unit
    /// vector (see [`affinity`]).
    pub fn profiles(&self, vectors: &[&[f32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if vectors.iter().any(|v| v.len() != self.dim) {
            return Err(EmbedError::Run(
                "a vector of another dimension than the topic profiles".into(),
            ));
        }
        let logits = self.weights.similarities(vectors)?;
        Ok(logits
            .chunks_exact(self.bias.len())
            .map(|row| {
                let mut p: Vec<f32> = row.iter().zip(&self.bias).map(|(z, b)| z + b).collect();
                softmax(&mut p);
                p.iter_mut().for_each(|x| *x = x.sqrt());
                p
            })
            .collect())
    }
}

/// The fitted values (weights row after row, then biases; what the cache
/// keeps) for the bank's `wordings`. `None` when there is nothing to fit,
/// or the fit went astray (values that are not numbers rank nothing).
fn fit_values(wordings: &[Vec<Vec<f32>>]) -> Result<Option<Vec<f32>>, EmbedError> {
    let topics = wordings.len();
    let dim = wordings.iter().flatten().next().map_or(0, Vec::len);
    let rows: Vec<&[f32]> = wordings.iter().flatten().map(Vec::as_slice).collect();
    if topics < 2 || dim == 0 || rows.iter().any(|r| r.len() != dim) {
        return Ok(None);
    }
    let labels: Vec<usize> = wordings
        .iter()
        .enumerate()
        .flat_map(|(t, ws)| std::iter::repeat_n(t, ws.len()))
        .collect();
    let x = Matrix::new(&rows)?;
    let problem = Problem {
        xt: x.transposed()?,
        x,
        labels,
        topics,
        dim,
        penalty: 1.0 / (INVERSE_PENALTY * rows.len() as f64),
    };
    let values = lbfgs(&problem, vec![0.0; Topics::size(topics, dim)])?;
    Ok(Some(values).filter(|v| Topics::check(v, topics, dim).is_ok()))
}

/// How alike two profiles are: the Bhattacharyya coefficient of the two
/// distributions, in 0..1.
pub fn affinity(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x * y)
        .sum::<f32>()
        .clamp(0.0, 1.0)
}

/// Turns logits into probabilities in place; returns the log of the sum of
/// their exponentials.
fn softmax(z: &mut [f32]) -> f64 {
    let max = z.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0f64;
    for x in z.iter_mut() {
        *x = (*x - max).exp();
        sum += f64::from(*x);
    }
    let inv = (1.0 / sum) as f32;
    z.iter_mut().for_each(|x| *x *= inv);
    f64::from(max) + sum.ln()
}

/// The fit: mean cross-entropy of the wordings' topics plus an L2 penalty on
/// the weights (not the biases).
struct Problem {
    /// The wordings' vectors, and the same transposed.
    x: Matrix,
    xt: Matrix,
    labels: Vec<usize>,
    topics: usize,
    dim: usize,
    penalty: f64,
}

impl Problem {
    /// The objective at `theta` (weights then biases) and its gradient.
    fn evaluate(&self, theta: &[f32]) -> Result<(f64, Vec<f32>), EmbedError> {
        let (k, d, n) = (self.topics, self.dim, self.labels.len());
        let (w, b) = theta.split_at(k * d);
        let mut z = self.x.products(&Matrix::from_flat(w.to_vec(), k, d)?)?;
        let mut loss = 0.0f64;
        let mut grad_b = vec![0.0f32; k];
        let scale = 1.0 / n as f32;
        for (row, &y) in z.chunks_exact_mut(k).zip(&self.labels) {
            row.iter_mut().zip(b).for_each(|(z, b)| *z += b);
            let logit = f64::from(row[y]);
            loss += softmax(row) - logit;
            row[y] -= 1.0;
            for (g, r) in grad_b.iter_mut().zip(row.iter_mut()) {
                *r *= scale;
                *g += *r;
            }
        }
        // The gradient of the weights, a topic per row: the transposed
        // vectors times the residuals give it a topic per column.
        let by_column = self.xt.times(z, k)?;
        let mut grad = vec![0.0f32; k * d];
        for (j, row) in by_column.chunks_exact(k).enumerate() {
            for (t, g) in row.iter().enumerate() {
                grad[t * d + j] = *g;
            }
        }
        let mut norm = 0.0f64;
        for (g, w) in grad.iter_mut().zip(w) {
            *g += self.penalty as f32 * w;
            norm += f64::from(*w) * f64::from(*w);
        }
        grad.extend(grad_b);
        Ok((loss / n as f64 + 0.5 * self.penalty * norm, grad))
    }
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Minimizes the problem from `theta` with limited-memory BFGS and a
/// backtracking line search, for [`STEPS`] steps at most.
fn lbfgs(problem: &Problem, mut theta: Vec<f32>) -> Result<Vec<f32>, EmbedError> {
    let (mut f, mut g) = problem.evaluate(&theta)?;
    let mut memory: std::collections::VecDeque<(Vec<f32>, Vec<f32>, f64)> =
        std::collections::VecDeque::new();
    for step in 0..STEPS {
        // The direction: the gradient through the remembered curvature.
        let mut d: Vec<f32> = g.iter().map(|x| -x).collect();
        let mut alphas = Vec::with_capacity(memory.len());
        for (s, y, rho) in memory.iter().rev() {
            let a = rho * dot(s, &d);
            d.iter_mut()
                .zip(y)
                .for_each(|(d, y)| *d -= (a * f64::from(*y)) as f32);
            alphas.push(a);
        }
        if let Some((s, y, _)) = memory.back() {
            let gamma = (dot(s, y) / dot(y, y)) as f32;
            d.iter_mut().for_each(|d| *d *= gamma);
        } else {
            let norm = dot(&g, &g).sqrt().max(f64::MIN_POSITIVE) as f32;
            d.iter_mut().for_each(|d| *d /= norm);
        }
        for ((s, y, rho), a) in memory.iter().zip(alphas.into_iter().rev()) {
            let beta = rho * dot(y, &d);
            d.iter_mut()
                .zip(s)
                .for_each(|(d, s)| *d += ((a - beta) * f64::from(*s)) as f32);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            d = g.iter().map(|x| -x).collect();
            slope = -dot(&g, &g);
        }
        if slope.abs() < 1e-12 {
            break;
        }
        // Backtracking until the objective falls enough (Armijo).
        let mut rate = 1.0f32;
        let (next, f_next, g_next) = loop {
            let next: Vec<f32> = theta.iter().zip(&d).map(|(t, d)| t + rate * d).collect();
            let (f_next, g_next) = problem.evaluate(&next)?;
            if f_next <= f + 1e-4 * f64::from(rate) * slope || rate < 1e-4 {
                break (next, f_next, g_next);
            }
            rate *= 0.5;
        };
        let s: Vec<f32> = next.iter().zip(&theta).map(|(a, b)| a - b).collect();
        let y: Vec<f32> = g_next.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if memory.len() == MEMORY {
                memory.pop_front();
            }
            memory.push_back((s, y, 1.0 / sy));
        }
        let done = f - f_next < 1e-7 * f.abs().max(1.0) && step > 0;
        (theta, f, g) = (next, f_next, g_next);
        if done {
            break;
        }
    }
    Ok(theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn the_fit_tells_topics_apart_where_the_wordings_do() {
        // Two topics that share a large common direction (their wording) and
        // differ along a small one (their fact): plain cosine finds a text of
        // either close to both, the profiles tell them apart.
        let a = |x: f32| unit(&[1.0, 0.25, x]);
        let b = |x: f32| unit(&[1.0, -0.25, x]);
        let wordings = vec![
            vec![a(0.3), a(-0.3), a(0.1), a(-0.2)],
            vec![b(0.3), b(-0.3), b(0.2), b(-0.1)],
        ];
        let topics = Topics::fit(&wordings).unwrap().expect("fitted");
        let asked = unit(&[1.0, 0.15, 0.5]);
        let profiles = topics.profiles(&[&asked, &a(0.0), &b(0.0)]).unwrap();
        for p in &profiles {
            let norm: f32 = p.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        }
        let to_a = affinity(&profiles[0], &profiles[1]);
        let to_b = affinity(&profiles[0], &profiles[2]);
        // The cosine barely tells them apart; the profiles do.
        let cos = |u: &[f32], v: &[f32]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f32>();
        let by_cosine = cos(&asked, &a(0.0)) - cos(&asked, &b(0.0));
        assert!(by_cosine > 0.0 && by_cosine < 0.1, "{by_cosine}");
        assert!(
            to_a > 0.95 && to_a - to_b > 3.0 * by_cosine,
            "{to_a} {to_b}"
        );
    }

    #[test]
    fn the_values_round_trip() {
        let wordings = vec![
            vec![unit(&[1.0, 0.0]), unit(&[1.0, 0.1])],
            vec![unit(&[0.0, 1.0]), unit(&[0.1, 1.0])],
        ];
        let values = fit_values(&wordings).unwrap().expect("fitted");
        assert_eq!(values.len(), Topics::size(2, 2));
        let topics = Topics::fit(&wordings).unwrap().expect("fitted");
        let again = Topics::from_values(values.clone(), 2, 2).unwrap();
        let v = unit(&[1.0, 0.2]);
        assert_eq!(
            topics.profiles(&[&v]).unwrap(),
            again.profiles(&[&v]).unwrap()
        );
        assert!(Topics::fit(&[wordings[0].clone()]).unwrap().is_none());
        // Values that are not numbers (a damaged cache) are refused.
        let mut damaged = values;
        damaged[1] = f32::NAN;
        assert!(Topics::from_values(damaged, 2, 2).is_err());
        assert!(Topics::from_values(vec![0.0; 3], 2, 2).is_err());
    }
}
