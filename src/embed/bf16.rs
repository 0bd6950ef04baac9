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
//! Where the CPU also has AMX (Intel Sapphire Rapids and later) and Linux
//! grants the process the tile registers, the products run on AMX tiles
//! instead ([`amx`]): `tdpbf16ps` multiplies a 16 × 32 block of inputs by a
//! 32 × 16 block of weights in one instruction. The packed layout above is
//! already what a weight tile holds (16 input pairs × 16 outputs, rows 256
//! bytes apart), so both kernels share it. `VETTED_AMX=0` keeps to AVX-512.
//!
//! The only `unsafe` code of the crate: SIMD intrinsics, the AMX
//! instructions, and the raw pointers they take. Every index is bounded by
//! the lengths checked in [`Packed::product`].

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
        #[cfg(target_os = "linux")]
        if amx::fits(self.k) && amx::usable() {
            return amx::product(x, x.len() / self.k, self.k / 2, &self.data, self.n);
        }
        self.product_avx512(x)
    }

    /// [`Packed::product`] on AVX-512 BF16 alone.
    #[cfg(target_arch = "x86_64")]
    fn product_avx512(&self, x: &[f32]) -> Vec<f32> {
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

/// The products on AMX tiles (Linux on x86-64).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod amx {
    use std::arch::asm;
    use std::sync::OnceLock;

    use super::COLS;

    /// Rows of a tile: input rows of an input tile, input pairs of a weight
    /// tile, output rows of a sum tile.
    const TILE_ROWS: usize = 16;
    /// Input rows per block: two input tiles.
    const BLOCK_ROWS: usize = 2 * TILE_ROWS;
    /// `arch_prctl` request for an extended state component, and the
    /// component of the tile registers (Linux `asm/prctl.h`, `fpu/xstate`).
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;

    /// Whether the inputs split into whole tiles of 16 pairs.
    pub fn fits(k: usize) -> bool {
        k.is_multiple_of(2 * TILE_ROWS)
    }

    /// Whether the CPU has AMX-TILE and AMX-BF16 and Linux lets this process
    /// use them (asked once; the grant holds for every thread), unless
    /// `VETTED_AMX=0`.
    pub fn usable() -> bool {
        static USABLE: OnceLock<bool> = OnceLock::new();
        *USABLE.get_or_init(|| {
            if std::env::var("VETTED_AMX").is_ok_and(|v| v == "0") {
                return false;
            }
            // CPUID leaf 7: EDX bit 22 is AMX-BF16, bit 24 AMX-TILE.
            #[allow(unused_unsafe)]
            // SAFETY: CPUID exists on every x86-64 CPU; leaf 7 is asked
            // only where the highest leaf is at least 7.
            let edx = unsafe {
                use std::arch::x86_64::{__cpuid_count, __get_cpuid_max};
                if __get_cpuid_max(0).0 < 7 {
                    return false;
                }
                __cpuid_count(7, 0).edx
            };
            if edx & (1 << 22) == 0 || edx & (1 << 24) == 0 {
                return false;
            }
            // SAFETY: a plain system call with integer arguments; a kernel
            // without AMX support answers with an error.
            let granted = unsafe {
                libc::syscall(
                    libc::SYS_arch_prctl,
                    ARCH_REQ_XCOMP_PERM,
                    XFEATURE_XTILEDATA,
                )
            };
            granted == 0
        })
    }

    /// The tile configuration (palette 1): eight tiles of 16 rows × 64 bytes.
    #[repr(C, align(64))]
    struct Config {
        palette: u8,
        start_row: u8,
        reserved: [u8; 14],
        bytes_per_row: [u16; 16],
        rows: [u8; 16],
    }

    const CONFIG: Config = Config {
        palette: 1,
        start_row: 0,
        reserved: [0; 14],
        bytes_per_row: [64, 64, 64, 64, 64, 64, 64, 64, 0, 0, 0, 0, 0, 0, 0, 0],
        rows: [16, 16, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0],
    };

    /// `x · weightᵀ` for `m` rows of `2 kp` inputs, with `packed` laid out as
    /// in the module doc for `n` outputs: `[m, n]`, row-major.
    pub fn product(x: &[f32], m: usize, kp: usize, packed: &[u32], n: usize) -> Vec<f32> {
        assert!(
            x.len() == m * 2 * kp
                && packed.len() == n * kp
                && kp.is_multiple_of(TILE_ROWS)
                && n.is_multiple_of(COLS)
        );
        assert!(super::available() && usable());
        // Rows padded with zeros to whole blocks; the padding's sums are
        // dropped at the end.
        let rows = m.div_ceil(BLOCK_ROWS) * BLOCK_ROWS;
        let mut pairs = vec![0u32; rows * kp];
        let mut out = vec![0f32; rows * n];
        // SAFETY: `to_pairs` needs AVX-512 BF16 (checked above) and
        // `pairs[..m * kp]` for `x`'s `2 m kp` values.
        unsafe { super::x86::to_pairs(x, &mut pairs[..m * kp]) };
        // SAFETY: the tiles exist (`usable`), and `blocks` reads and writes
        // within the lengths asserted above.
        unsafe { blocks(&pairs, rows, kp, packed, n, &mut out) };
        out.truncate(m * n);
        out
    }

    /// The sums of `rows` (a multiple of 32) rows of `pairs` with every
    /// output, 32 rows × 32 outputs at a time: four sum tiles (tmm0-3), two
    /// input tiles (tmm4-5), two weight tiles (tmm6-7).
    unsafe fn blocks(
        pairs: &[u32],
        rows: usize,
        kp: usize,
        packed: &[u32],
        n: usize,
        out: &mut [f32],
    ) {
        let (a, c) = (pairs.as_ptr(), out.as_mut_ptr());
        // Bytes between rows: of inputs, of a weight tile (one packed group
        // row of `COLS` outputs), of sums.
        let (a_stride, b_stride, c_stride) = (kp * 4, COLS * 4, n * 4);
        // SAFETY: the configuration is valid for palette 1.
        unsafe { asm!("ldtilecfg [{}]", in(reg) &CONFIG, options(nostack, readonly)) };
        for group in 0..n / COLS {
            for half in [0, COLS / 2] {
                // SAFETY (all below): weight tiles read pairs `p..p + 16` of
                // outputs `col..col + 32` of the group (`kp * COLS` values
                // from `group * kp * COLS`); input tiles read rows
                // `row..row + 32` (< `rows`), pairs `p..p + 16` (< `kp`); sum
                // tiles write those rows' outputs `col..col + 32` (< `n`).
                let b = unsafe { packed.as_ptr().add(group * kp * COLS + half) };
                let col = group * COLS + half;
                for row in (0..rows).step_by(BLOCK_ROWS) {
                    unsafe {
                        asm!(
                            "tilezero tmm0",
                            "tilezero tmm1",
                            "tilezero tmm2",
                            "tilezero tmm3",
                            options(nostack, nomem)
                        );
                    }
                    for p in (0..kp).step_by(TILE_ROWS) {
                        unsafe {
                            let a0 = a.add(row * kp + p);
                            let a1 = a0.add(TILE_ROWS * kp);
                            let b0 = b.add(p * COLS);
                            let b1 = b0.add(TILE_ROWS);
                            asm!(
                                "tileloadd tmm4, [{a0} + {sa}*1]",
                                "tileloadd tmm5, [{a1} + {sa}*1]",
                                "tileloadd tmm6, [{b0} + {sb}*1]",
                                "tileloadd tmm7, [{b1} + {sb}*1]",
                                "tdpbf16ps tmm0, tmm4, tmm6",
                                "tdpbf16ps tmm1, tmm4, tmm7",
                                "tdpbf16ps tmm2, tmm5, tmm6",
                                "tdpbf16ps tmm3, tmm5, tmm7",
                                a0 = in(reg) a0,
                                a1 = in(reg) a1,
                                b0 = in(reg) b0,
                                b1 = in(reg) b1,
                                sa = in(reg) a_stride,
                                sb = in(reg) b_stride,
                                options(nostack, readonly)
                            );
                        }
                    }
                    unsafe {
                        let c0 = c.add(row * n + col);
                        let c1 = c0.add(TILE_ROWS);
                        let c2 = c0.add(TILE_ROWS * n);
                        let c3 = c2.add(TILE_ROWS);
                        asm!(
                            "tilestored [{c0} + {sc}*1], tmm0",
                            "tilestored [{c1} + {sc}*1], tmm1",
                            "tilestored [{c2} + {sc}*1], tmm2",
                            "tilestored [{c3} + {sc}*1], tmm3",
                            c0 = in(reg) c0,
                            c1 = in(reg) c1,
                            c2 = in(reg) c2,
                            c3 = in(reg) c3,
                            sc = in(reg) c_stride,
                            options(nostack)
                        );
                    }
                }
            }
        }
        // SAFETY: releases the tiles this thread configured.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
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
        #[cfg(target_os = "linux")]
        let amx = amx::usable();
        #[cfg(not(target_os = "linux"))]
        let amx = false;
        if !amx {
            eprintln!("notice: this CPU or system lacks AMX: its kernel is not tested");
        }
        let shapes = [
            (1, 2, 64),
            (7, 384, 128),
            (13, 1536, 64),
            (6, 384, 192),
            (33, 384, 128),
            (64, 32, 64),
        ];
        for (m, k, n) in shapes {
            let x = numbers(m * k, 1);
            let w = numbers(n * k, 2);
            let packed = Packed::new(&w, n, k).unwrap();
            assert_eq!(packed.outputs(), n);
            let mut kernels = vec![("avx512", packed.product_avx512(&x))];
            #[cfg(target_os = "linux")]
            if amx && amx::fits(k) {
                kernels.push(("amx", amx::product(&x, m, k / 2, &packed.data, n)));
            }
            for (kernel, got) in kernels {
                check(m, k, n, &x, &w, kernel, &got);
            }
            assert_eq!(packed.product(&x).len(), m * n);
        }
        fn check(m: usize, k: usize, n: usize, x: &[f32], w: &[f32], kernel: &str, got: &[f32]) {
            let round = |x: f32| f32::from_bits(bf16(x) << 16);
            assert_eq!(got.len(), m * n);
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k)
                        .map(|p| f64::from(round(x[i * k + p])) * f64::from(round(w[j * k + p])))
                        .sum();
                    let g = got[i * n + j];
                    assert!(
                        (f64::from(g) - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{kernel} {m}x{k}x{n} [{i},{j}]: {g} vs {want}"
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
