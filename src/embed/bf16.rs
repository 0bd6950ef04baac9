//! The encoder's dense products in bfloat16, on CPUs with AVX-512 BF16
//! (AMD Zen 4 and later, Intel Cooper Lake and Sapphire Rapids and later).
//!
//! `vdpbf16ps` multiplies pairs of bfloat16 numbers and adds them to f32
//! sums: twice the arithmetic of an f32 fused multiply-add per instruction.
//! A dense layer's weights are rounded to bfloat16 once, at load, and laid
//! out for the kernel; each input is rounded when the product runs; sums are
//! f32. Four in five of the encoder's operations are these products, so the
//! whole embedding takes about two thirds of the time of f32 (see
//! `docs/performance.md`); the vectors keep a cosine above 0.9999 with the
//! f32 ones (`bert.rs` tests).
//!
//! Layout of a packed `[n, k]` weight (`n` outputs, `k` inputs): groups of
//! [`COLS`] outputs; within a group, for each pair of inputs `(2i, 2i + 1)`,
//! the [`COLS`] outputs' two weights side by side (one `u32`: low half input
//! `2i`, high half `2i + 1`), so one 64-byte load gives 16 outputs' pairs.
//! The kernel keeps a tile of [`ROWS`] × [`COLS`] sums in 24 registers and
//! streams the inputs once per group.
//!
//! The only `unsafe` code of the crate: SIMD intrinsics and the raw pointers
//! they take. Every index is bounded by the lengths checked in
//! [`Packed::product`].

#![allow(unsafe_code)]

/// Outputs per group (four registers of 16 f32).
const COLS: usize = 64;
/// Input rows per tile.
const ROWS: usize = 6;

/// Whether this CPU runs the kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `x` rounded to the nearest bfloat16 (ties to even), as its 16 bits.
fn bf16(x: f32) -> u32 {
    let bits = x.to_bits();
    if x.is_nan() {
        return (bits >> 16) | 0x40;
    }
    bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) >> 16
}

/// A dense layer's weight, packed for the kernel.
pub struct Packed {
    /// Outputs.
    n: usize,
    /// Inputs.
    k: usize,
    data: Vec<u32>,
}

impl Packed {
    /// Packs a row-major `[n, k]` weight; `None` when the CPU lacks the
    /// instructions or the shape does not fit the kernel (`n` a multiple of
    /// 64, `k` even).
    pub fn new(weight: &[f32], n: usize, k: usize) -> Option<Packed> {
        if !available()
            || n == 0
            || !n.is_multiple_of(COLS)
            || !k.is_multiple_of(2)
            || weight.len() != n * k
        {
            return None;
        }
        let mut data = Vec::with_capacity(n * k / 2);
        for group in 0..n / COLS {
            for pair in 0..k / 2 {
                for col in 0..COLS {
                    let row = &weight[(group * COLS + col) * k..][..k];
                    data.push(bf16(row[2 * pair]) | (bf16(row[2 * pair + 1]) << 16));
                }
            }
        }
        Some(Packed { n, k, data })
    }

    /// Outputs of the layer.
    pub fn outputs(&self) -> usize {
        self.n
    }

    /// `x · weightᵀ` for a row-major `[m, k]` input: `[m, n]`, row-major.
    #[cfg(target_arch = "x86_64")]
    pub fn product(&self, x: &[f32]) -> Vec<f32> {
        assert!(
            x.len().is_multiple_of(self.k),
            "input length is not a multiple of k"
        );
        assert!(available(), "Packed exists only where the kernel runs");
        let m = x.len() / self.k;
        let mut out = vec![0f32; m * self.n];
        let mut pairs = vec![0u32; m * self.k / 2];
        // SAFETY: the CPU has the features (checked above); `pairs` holds
        // `x.len() / 2` values, `out` `m * n`, `data` `n * k / 2`, the
        // lengths `x86::product` indexes within.
        unsafe {
            x86::to_pairs(x, &mut pairs);
            x86::product(&pairs, m, self.k / 2, &self.data, self.n, &mut out);
        }
        out
    }

    /// Never called: [`Packed::new`] packs nothing off x86-64.
    #[cfg(not(target_arch = "x86_64"))]
    pub fn product(&self, _x: &[f32]) -> Vec<f32> {
        unreachable!("`Packed::new` packs nothing off x86-64")
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{COLS, ROWS, bf16};

    /// Rounds `x` to bfloat16 pairs: `out[i]` holds `x[2i]` (low half) and
    /// `x[2i + 1]` (high half). `out.len() == x.len() / 2`, `x.len()` even.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub unsafe fn to_pairs(x: &[f32], out: &mut [u32]) {
        assert!(x.len().is_multiple_of(2) && out.len() == x.len() / 2);
        let mut chunks = x.chunks_exact(32);
        let mut at = 0;
        for chunk in &mut chunks {
            // SAFETY: `chunk` has 32 values; `out[at..at + 16]` exists since
            // `at` counts pairs of the values read so far.
            unsafe {
                let low = _mm512_loadu_ps(chunk.as_ptr());
                let high = _mm512_loadu_ps(chunk.as_ptr().add(16));
                // Lanes 0-15 from `low`, 16-31 from `high`: in memory, the
                // bfloat16 values in the order of `chunk`.
                let packed: __m512i = std::mem::transmute(_mm512_cvtne2ps_pbh(high, low));
                _mm512_storeu_si512(out.as_mut_ptr().add(at).cast(), packed);
            }
            at += 16;
        }
        for pair in chunks.remainder().chunks_exact(2) {
            out[at] = bf16(pair[0]) | (bf16(pair[1]) << 16);
            at += 1;
        }
    }

    /// `out[m, n] = Σ_p pairs[m, p] · weight pairs`, `pairs` `[m, kp]`,
    /// `packed` laid out as in the module doc for `[n, 2 kp]`.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub unsafe fn product(
        pairs: &[u32],
        m: usize,
        kp: usize,
        packed: &[u32],
        n: usize,
        out: &mut [f32],
    ) {
        assert!(pairs.len() == m * kp && packed.len() == n * kp && out.len() == m * n);
        assert!(n.is_multiple_of(COLS));
        let (a, c) = (pairs.as_ptr(), out.as_mut_ptr());
        for group in 0..n / COLS {
            // SAFETY (all below): a tile reads rows `row..row + R` (< m) of
            // `pairs`, the group's `kp * COLS` packed values, and writes
            // columns `group * COLS..+ COLS` (< n) of those rows of `out`.
            let b = unsafe { packed.as_ptr().add(group * kp * COLS) };
            let at = |row: usize| unsafe { (a.add(row * kp), c.add(row * n + group * COLS)) };
            let mut row = 0;
            while row + ROWS <= m {
                let (a, c) = at(row);
                unsafe { tile::<ROWS>(a, kp, b, c, n) };
                row += ROWS;
            }
            let (a, c) = at(row);
            unsafe {
                match m - row {
                    1 => tile::<1>(a, kp, b, c, n),
                    2 => tile::<2>(a, kp, b, c, n),
                    3 => tile::<3>(a, kp, b, c, n),
                    4 => tile::<4>(a, kp, b, c, n),
                    5 => tile::<5>(a, kp, b, c, n),
                    _ => {}
                }
            }
        }
    }

    /// `R` rows × `COLS` outputs over all `kp` input pairs.
    #[target_feature(enable = "avx512f,avx512bf16")]
    #[inline]
    unsafe fn tile<const R: usize>(
        a: *const u32,
        kp: usize,
        b: *const u32,
        c: *mut f32,
        ldc: usize,
    ) {
        let mut sums = [[_mm512_setzero_ps(); 4]; R];
        for p in 0..kp {
            // SAFETY: see `product`.
            unsafe {
                let bp = b.add(p * COLS);
                let w: [__m512bh; 4] = [0, 16, 32, 48]
                    .map(|o| std::mem::transmute(_mm512_loadu_si512(bp.add(o).cast())));
                for (r, sums) in sums.iter_mut().enumerate() {
                    let x: __m512bh =
                        std::mem::transmute(_mm512_set1_epi32(*a.add(r * kp + p) as i32));
                    for (s, w) in sums.iter_mut().zip(w) {
                        *s = _mm512_dpbf16_ps(*s, x, w);
                    }
                }
            }
        }
        for (r, sums) in sums.iter().enumerate() {
            for (j, s) in sums.iter().enumerate() {
                // SAFETY: see `product`.
                unsafe { _mm512_storeu_ps(c.add(r * ldc + j * 16), *s) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(len: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn rounds_to_nearest_even() {
        assert_eq!(bf16(1.0), 0x3f80);
        assert_eq!(bf16(-2.0), 0xc000);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to even (1).
        assert_eq!(bf16(1.0 + 1.0 / 256.0), 0x3f80);
        assert_eq!(bf16(1.0 + 3.0 / 256.0), 0x3f82);
        assert_eq!(bf16(f32::INFINITY), 0x7f80);
        assert!(bf16(f32::NAN) & 0x7f != 0);
    }

    /// The kernel against f32 sums of the same bfloat16-rounded numbers, for
    /// every remainder of rows and both input widths of the encoder.
    #[test]
    fn products_match_f32() {
        if !available() {
            assert!(
                Packed::new(&[0.0; 64 * 2], 64, 2).is_none(),
                "packed without the instructions"
            );
            eprintln!("notice: skipping: this CPU lacks AVX-512 BF16");
            return;
        }
        let round = |x: f32| f32::from_bits(bf16(x) << 16);
        for (m, k, n) in [(1, 2, 64), (7, 384, 128), (13, 1536, 64), (6, 384, 192)] {
            let x = numbers(m * k, 1);
            let w = numbers(n * k, 2);
            let packed = Packed::new(&w, n, k).unwrap();
            assert_eq!(packed.outputs(), n);
            let got = packed.product(&x);
            assert_eq!(got.len(), m * n);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k)
                        .map(|p| f64::from(round(x[i * k + p])) * f64::from(round(w[j * k + p])))
                        .sum();
                    let g = got[i * n + j];
                    assert!(
                        (f64::from(g) - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{m}x{k}x{n} [{i},{j}]: {g} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn shapes_the_kernel_cannot_take_are_refused() {
        assert!(Packed::new(&[0.0; 32 * 4], 32, 4).is_none());
        assert!(Packed::new(&[0.0; 64 * 3], 64, 3).is_none());
        assert!(Packed::new(&[0.0; 10], 64, 2).is_none());
    }
}
