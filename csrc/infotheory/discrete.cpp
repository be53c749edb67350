#include "infotheory/discrete.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#endif

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "common/rng.hpp"
#include "infotheory/run.hpp"

namespace nn {
namespace info {

namespace {

using u64 = std::uint64_t;

u64 ipow(u64 b, int e) {
  u64 r = 1;
  for (int i = 0; i < e; ++i) r *= b;
  return r;
}

std::size_t first_sample(const DiscreteSpec& s, bool has_cond) {
  std::size_t t0 = static_cast<std::size_t>(std::max(s.k, s.delay + s.l - 1));
  if (has_cond) t0 = std::max<std::size_t>(t0, 1);
  return t0;
}

struct Layout {
  std::size_t T = 0, seg = 0, trials = 0, t0 = 0, per_trial = 0, n = 0;
  u64 nB = 0, nA = 0, nS = 0;
};

Layout make_layout(std::size_t T, const DiscreteSpec& s, bool has_cond) {
  if (s.base < 1 || s.k < 0 || s.l < 1 || s.delay < 0 || s.cond_base < 1)
    throw std::invalid_argument("invalid discrete embedding parameters");
  Layout L;
  L.T = T;
  L.seg = s.segment == 0 ? T : s.segment;
  if (L.seg == 0 || T % L.seg != 0) throw std::invalid_argument("segment must divide T");
  L.trials = T / L.seg;
  L.t0 = first_sample(s, has_cond);
  L.per_trial = L.seg > L.t0 ? L.seg - L.t0 : 0;
  L.n = L.per_trial * L.trials;
  const u64 b = static_cast<u64>(s.base);
  L.nB = static_cast<u64>(s.cond_base) * ipow(b, s.k);
  L.nA = b * L.nB;
  L.nS = ipow(b, s.l);
  return L;
}

// Usable time points, trial-major: row index of the target's "present" y_t.
template <class F>
void for_each_sample(const Layout& L, F&& f) {
  std::size_t s = 0;
  for (std::size_t r = 0; r < L.trials; ++r) {
    const std::size_t base = r * L.seg;
    for (std::size_t t = L.t0; t < L.seg; ++t) f(s++, base + t);
  }
}

void target_codes(const std::int32_t* col, std::size_t stride, const std::int32_t* cond,
                  const DiscreteSpec& s, const Layout& L, u64* A, u64* Bout = nullptr) {
  const u64 b = static_cast<u64>(s.base), pk = ipow(b, s.k);
  for_each_sample(L, [&](std::size_t i, std::size_t t) {
    u64 h = 0;
    for (int q = s.k; q >= 1; --q) h = h * b + static_cast<u64>(col[(t - q) * stride]);
    u64 w = cond ? static_cast<u64>(cond[t - 1]) : 0;
    u64 B = w * pk + h;
    A[i] = static_cast<u64>(col[t * stride]) * L.nB + B;
    if (Bout) Bout[i] = B;
  });
}

void source_codes(const std::int32_t* col, std::size_t stride, const DiscreteSpec& s,
                  const Layout& L, u64* S) {
  const u64 b = static_cast<u64>(s.base);
  for_each_sample(L, [&](std::size_t i, std::size_t t) {
    u64 h = 0;
    const std::size_t last = t - static_cast<std::size_t>(s.delay);
    for (int q = s.l - 1; q >= 0; --q) h = h * b + static_cast<u64>(col[(last - q) * stride]);
    S[i] = h;
  });
}

// sum over distinct values of c ln c, by sorting a copy.
double sum_clogc_sorted(std::vector<u64>& keys, const std::vector<double>& xlogx) {
  std::sort(keys.begin(), keys.end());
  double acc = 0.0;
  std::size_t i = 0;
  while (i < keys.size()) {
    std::size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    acc += xlogx[j - i];
    i = j;
  }
  return acc;
}

constexpr u64 kTableLimit = u64(1) << 22;  // entries per thread for the table path

// sum of c ln c over the distinct values of codes[0..n) in [0, n_states):
// a zeroed table when it is small enough (left zeroed again), else sorting.
double sum_clogc(const u64* codes, std::size_t n, u64 n_states, std::vector<std::uint32_t>& table,
                 std::vector<u64>& keys, const std::vector<double>& xlogx) {
  if (n_states <= kTableLimit) {
    if (table.size() < n_states) table.assign(static_cast<std::size_t>(n_states), 0u);
    for (std::size_t t = 0; t < n; ++t) table[codes[t]]++;
    double acc = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      std::uint32_t& c = table[codes[t]];
      if (c) {
        acc += xlogx[c];
        c = 0;
      }
    }
    return acc;
  }
  keys.assign(codes, codes + n);
  return sum_clogc_sorted(keys, xlogx);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NN_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define NN_POPCNT_CLONES
#endif

enum class Mode { Popcount, Table, Sort };

// Per-target data for the popcount path.
struct TargetBits {
  std::vector<u64> a_values;        // present A states
  std::vector<std::uint32_t> a_count;
  std::vector<std::uint32_t> a_bidx;  // compact index of the B state of each present A
  std::size_t n_b = 0;
  std::vector<u64> bits;            // a_values.size() x W
  std::size_t pad = 0;              // rows of bits_t (4, 8 or 16; 0: not built)
  std::vector<u64> bits_t;          // W x pad, word-major copy of bits, zero rows beyond
};

struct SourceBits {
  std::vector<std::uint32_t> s_count;  // per present S state
  std::vector<u64> bits;               // present x W
};

// cnt[q] = popcount(bt[w * P + q] & s[w]) summed over w, for q < P, with the
// target's indicator rows stored word-major (bt: W x P, zero-padded rows).
template <int P>
inline void popcount_rows_fixed(const u64* bt, const u64* s, std::size_t W, std::uint32_t* cnt) {
  std::uint64_t acc[P];
  for (int q = 0; q < P; ++q) acc[q] = 0;
  for (std::size_t w = 0; w < W; ++w) {
    const u64 sw = s[w];
    const u64* row = bt + w * P;
    for (int q = 0; q < P; ++q) acc[q] += static_cast<std::uint64_t>(__builtin_popcountll(row[q] & sw));
  }
  for (int q = 0; q < P; ++q) cnt[q] = static_cast<std::uint32_t>(acc[q]);
}

// Scalar fallback: one row at a time (few live registers), as popcount_pair.
NN_POPCNT_CLONES
void popcount_rows_scalar(const u64* bt, std::size_t P, const u64* s, std::size_t W, std::uint32_t* cnt) {
  if (P == 4) {
    popcount_rows_fixed<4>(bt, s, W, cnt);
    return;
  }
  for (std::size_t q = 0; q < P; ++q) {
    std::uint32_t c = 0;
    for (std::size_t w = 0; w < W; ++w) c += static_cast<std::uint32_t>(__builtin_popcountll(bt[w * P + q] & s[w]));
    cnt[q] = c;
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
// Same loop compiled for AVX-512 VPOPCNTQ (the P rows become vector lanes),
// chosen at run time where the CPU has it; integer counts, so identical.
__attribute__((target("avx512f,avx512vpopcntdq,popcnt")))
void popcount_rows_vp(const u64* bt, std::size_t P, const u64* s, std::size_t W, std::uint32_t* cnt) {
  if (P == 4) {
    popcount_rows_fixed<4>(bt, s, W, cnt);
    return;
  }
  __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
  for (std::size_t w = 0; w < W; ++w) {
    const __m512i sw = _mm512_set1_epi64(static_cast<long long>(s[w]));
    a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_loadu_si512(bt + w * P), sw)));
    if (P == 16)
      a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_loadu_si512(bt + w * P + 8), sw)));
  }
  alignas(64) std::uint64_t out[16];
  _mm512_store_si512(out, a0);
  _mm512_store_si512(out + 8, a1);
  for (std::size_t q = 0; q < P; ++q) cnt[q] = static_cast<std::uint32_t>(out[q]);
}
const bool kHasVpopcnt = [] {
  __builtin_cpu_init();  // static initialisers may run before libgcc's own
  return __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512f");
}();
inline void popcount_rows(const u64* bt, std::size_t P, const u64* s, std::size_t W, std::uint32_t* cnt) {
  if (kHasVpopcnt)
    popcount_rows_vp(bt, P, s, W, cnt);
  else
    popcount_rows_scalar(bt, P, s, W, cnt);
}
#else
inline void popcount_rows(const u64* bt, std::size_t P, const u64* s, std::size_t W, std::uint32_t* cnt) {
  popcount_rows_scalar(bt, P, s, W, cnt);
}
#endif

// S(A,S) and S(B,S) of one pair from bit-packed indicators (popcount path).
// Compiled twice (with and without the POPCNT instruction) and picked at load
// time, so the inner loop uses hardware popcount where the CPU has it.
NN_POPCNT_CLONES
void popcount_pair(const TargetBits& T, const SourceBits& Sb, std::size_t W, const double* xlogx,
                   std::uint32_t* cbs, double& s_as_out, double& s_bs_out) {
  const std::size_t na = T.a_values.size(), ns = Sb.s_count.size();
  for (std::size_t q = 0; q < T.n_b * ns; ++q) cbs[q] = 0;
  if (ns == 2 && T.pad != 0) {
    // Binary source (the common case): one indicator row; word-outer loop so
    // each source word is loaded once for all target states. Same integer
    // counts and the same order of additions as the general loop below.
    std::uint32_t cnt[16];
    popcount_rows(T.bits_t.data(), T.pad, Sb.bits.data(), W, cnt);
    double s_as = 0.0;
    for (std::size_t q = 0; q < na; ++q) {
      const std::uint32_t c = cnt[q], rest = T.a_count[q] - c;
      std::uint32_t* crow = cbs + T.a_bidx[q] * 2;
      s_as += xlogx[c];
      crow[0] += c;
      s_as += xlogx[rest];
      crow[1] += rest;
    }
    double s_bs = 0.0;
    for (std::size_t q = 0; q < T.n_b * 2; ++q) s_bs += xlogx[cbs[q]];
    s_as_out = s_as;
    s_bs_out = s_bs;
    return;
  }
  double s_as = 0.0;
  for (std::size_t q = 0; q < na; ++q) {
    const u64* abits = T.bits.data() + q * W;
    std::uint32_t rest = T.a_count[q];
    std::uint32_t* crow = cbs + T.a_bidx[q] * ns;
    for (std::size_t r = 0; r + 1 < ns; ++r) {
      const u64* sbits = Sb.bits.data() + r * W;
      std::uint32_t c = 0;
      for (std::size_t w = 0; w < W; ++w)
        c += static_cast<std::uint32_t>(__builtin_popcountll(abits[w] & sbits[w]));
      rest -= c;
      s_as += xlogx[c];
      crow[r] += c;
    }
    s_as += xlogx[rest];
    crow[ns - 1] += rest;
  }
  double s_bs = 0.0;
  for (std::size_t q = 0; q < T.n_b * ns; ++q) s_bs += xlogx[cbs[q]];
  s_as_out = s_as;
  s_bs_out = s_bs;
}

// Binary-source case for 4 targets at once with the same numbers of present
// A and B states (na <= 16, n_b <= 16): the same integer counts and, per pair,
// the same order of additions as popcount_pair; the four independent sums are
// interleaved (kept in registers) for throughput.
void popcount_group4_binary(const TargetBits* const* Ts, const SourceBits& Sb, std::size_t W,
                            const double* xlogx, double* s_as_out, double* s_bs_out) {
  std::uint32_t cnt[4][16];
  std::uint32_t cbs[4][32] = {};
  for (int g = 0; g < 4; ++g) popcount_rows(Ts[g]->bits_t.data(), Ts[g]->pad, Sb.bits.data(), W, cnt[g]);
  const std::size_t na = Ts[0]->a_values.size(), nb2 = Ts[0]->n_b * 2;
  double sa0 = 0.0, sa1 = 0.0, sa2 = 0.0, sa3 = 0.0;
  auto step = [&](int g, std::size_t q, double& acc) {
    const TargetBits& T = *Ts[g];
    const std::uint32_t c = cnt[g][q], rest = T.a_count[q] - c;
    std::uint32_t* crow = cbs[g] + T.a_bidx[q] * 2;
    acc += xlogx[c];
    crow[0] += c;
    acc += xlogx[rest];
    crow[1] += rest;
  };
  for (std::size_t q = 0; q < na; ++q) {
    step(0, q, sa0);
    step(1, q, sa1);
    step(2, q, sa2);
    step(3, q, sa3);
  }
  double sb0 = 0.0, sb1 = 0.0, sb2 = 0.0, sb3 = 0.0;
  for (std::size_t q = 0; q < nb2; ++q) {
    sb0 += xlogx[cbs[0][q]];
    sb1 += xlogx[cbs[1][q]];
    sb2 += xlogx[cbs[2][q]];
    sb3 += xlogx[cbs[3][q]];
  }
  s_as_out[0] = sa0, s_as_out[1] = sa1, s_as_out[2] = sa2, s_as_out[3] = sa3;
  s_bs_out[0] = sb0, s_bs_out[1] = sb1, s_bs_out[2] = sb2, s_bs_out[3] = sb3;
}

}  // namespace

std::size_t discrete_samples(std::size_t T, const DiscreteSpec& spec) {
  return make_layout(T, spec, spec.cond_base > 1).n;
}

double discrete_scratch_bytes(std::size_t T, std::size_t Ns, std::size_t Nt,
                              const DiscreteSpec& spec, int n_threads) {
  Layout L = make_layout(T, spec, spec.cond_base > 1);
  double n = static_cast<double>(L.n);
  double codes = 8.0 * n * static_cast<double>(Ns + Nt);
  double table = 0.0;
  double J = static_cast<double>(L.nA) * static_cast<double>(L.nS);
  if (J <= static_cast<double>(kTableLimit))
    table = 4.0 * (J + static_cast<double>(L.nB) * static_cast<double>(L.nS));
  else
    table = 16.0 * n;
  double W = std::ceil(n / 64.0);
  double bits = 8.0 * W * (static_cast<double>(Ns) * std::min<double>(L.nS, n) +
                           static_cast<double>(Nt) * std::min<double>(L.nA, n));
  if (J > 4096) bits = 0.0;
  const double bits_t = J > 4096 ? 0.0 : 8.0 * W * 16.0 * static_cast<double>(Nt);  // word-major copies
  const double transposed = 4.0 * static_cast<double>(T) * static_cast<double>(Ns + Nt);
  return codes + bits + bits_t + transposed + table * std::max(1, n_threads) + 8.0 * n;
}

void te_discrete(MatrixView<const std::int32_t> src, MatrixView<const std::int32_t> tgt,
                 const std::int32_t* cond, const DiscreteSpec& spec, bool zero_diagonal,
                 MatrixView<double> out, int n_threads) {
  if (src.rows != tgt.rows) throw std::invalid_argument("source and target lengths differ");
  if (out.rows != src.cols || out.cols != tgt.cols) throw std::invalid_argument("out has the wrong shape");
  const std::size_t Ns = src.cols, Nt = tgt.cols;
  const Layout L = make_layout(src.rows, spec, cond != nullptr);
  const std::size_t n = L.n;
  if (n == 0) throw std::invalid_argument("no time points left after embedding");
  const u64 nS = L.nS, nA = L.nA, nB = L.nB;
  n_threads = std::max(1, n_threads);

  std::vector<double> xlogx(n + 1);
  xlogx[0] = 0.0;
  for (std::size_t c = 1; c <= n; ++c) xlogx[c] = static_cast<double>(c) * std::log(static_cast<double>(c));

  // One pass over targets (codes, -S(A) + S(B), indicator bits) and sources
  // (codes, indicator bits): a single parallel region.
  const std::size_t W = (n + 63) / 64;
  // Column-major copies of the codes (blocked transpose), so the per-column
  // embeddings below read contiguous memory instead of one cache line per time point.
  auto transpose = [](MatrixView<const std::int32_t> a) {
    std::vector<std::int32_t> t(a.rows * a.cols);
    constexpr std::size_t B = 64;
    for (std::size_t r0 = 0; r0 < a.rows; r0 += B)
      for (std::size_t c0 = 0; c0 < a.cols; c0 += B)
        for (std::size_t c = c0; c < std::min(a.cols, c0 + B); ++c)
          for (std::size_t r = r0; r < std::min(a.rows, r0 + B); ++r) t[c * a.rows + r] = a(r, c);
    return t;
  };
  const std::vector<std::int32_t> tgt_t = transpose(tgt);
  const bool same = src.data == tgt.data && src.cols == tgt.cols;
  const std::vector<std::int32_t> src_t = same ? std::vector<std::int32_t>() : transpose(src);
  const std::int32_t* src_cm = same ? tgt_t.data() : src_t.data();
  const std::size_t Tn = src.rows;
  const double J = static_cast<double>(nA) * static_cast<double>(nS);
  Mode mode = J <= static_cast<double>(kTableLimit) ? Mode::Table : Mode::Sort;
  const bool want_bits = J <= 4096;
  std::vector<u64> A(Nt * n), S(Ns * n);
  std::vector<double> tconst(Nt);
  std::vector<TargetBits> tb(want_bits ? Nt : 0);
  std::vector<SourceBits> sb(want_bits ? Ns : 0);
  run_parallel(Nt + Ns, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
    std::vector<u64> keys, bcodes(n);
    std::vector<std::uint32_t> table, cnt;
    for (std::size_t item = b; item < e; ++item) {
      check_interrupt();
      if (item < Nt) {
        const std::size_t j = item;
        u64* a = A.data() + j * n;
        target_codes(tgt_t.data() + j * Tn, 1, cond, spec, L, a, bcodes.data());
        double sa = sum_clogc(a, n, nA, table, keys, xlogx);
        double sbv = sum_clogc(bcodes.data(), n, nB, table, keys, xlogx);
        tconst[j] = sbv - sa;
        if (!want_bits) continue;
        std::vector<char> seen(static_cast<std::size_t>(nA), 0);
        for (std::size_t t = 0; t < n; ++t) seen[a[t]] = 1;
        std::vector<u64> vals;
        std::vector<std::uint32_t> pos(static_cast<std::size_t>(nA), 0u);
        for (u64 v = 0; v < nA; ++v)
          if (seen[v]) {
            pos[v] = static_cast<std::uint32_t>(vals.size());
            vals.push_back(v);
          }
        TargetBits& T = tb[j];
        T.a_values = vals;
        T.a_count.assign(vals.size(), 0);
        T.bits.assign(vals.size() * W, 0);
        std::vector<u64> bvals(vals.size());
        for (std::size_t q = 0; q < vals.size(); ++q) bvals[q] = vals[q] % nB;
        std::vector<u64> bu = bvals;
        std::sort(bu.begin(), bu.end());
        bu.erase(std::unique(bu.begin(), bu.end()), bu.end());
        T.n_b = bu.size();
        T.a_bidx.resize(vals.size());
        for (std::size_t q = 0; q < vals.size(); ++q)
          T.a_bidx[q] = static_cast<std::uint32_t>(std::lower_bound(bu.begin(), bu.end(), bvals[q]) - bu.begin());
        for (std::size_t t = 0; t < n; ++t) {
          std::size_t q = pos[a[t]];
          T.a_count[q]++;
          T.bits[q * W + t / 64] |= u64(1) << (t % 64);
        }
        const std::size_t na = vals.size();
        T.pad = na <= 4 ? 4 : na <= 8 ? 8 : na <= 16 ? 16 : 0;
        if (T.pad) {
          T.bits_t.assign(W * T.pad, 0);
          for (std::size_t q = 0; q < na; ++q)
            for (std::size_t w = 0; w < W; ++w) T.bits_t[w * T.pad + q] = T.bits[q * W + w];
        }
      } else {
        const std::size_t i = item - Nt;
        u64* s = S.data() + i * n;
        source_codes(src_cm + i * Tn, 1, spec, L, s);
        if (!want_bits) continue;
        cnt.assign(static_cast<std::size_t>(nS), 0u);
        for (std::size_t t = 0; t < n; ++t) cnt[s[t]]++;
        std::vector<std::size_t> idx(static_cast<std::size_t>(nS), SIZE_MAX);
        SourceBits& Sb = sb[i];
        for (u64 v = 0; v < nS; ++v)
          if (cnt[v]) {
            idx[v] = Sb.s_count.size();
            Sb.s_count.push_back(cnt[v]);
          }
        Sb.bits.assign(Sb.s_count.size() * W, 0);
        for (std::size_t t = 0; t < n; ++t) Sb.bits[idx[s[t]] * W + t / 64] |= u64(1) << (t % 64);
      }
    }
  });

  // Choose the counting path from the data (never from the thread count).
  if (want_bits) {
    double present_a = 0.0, present_s = 0.0;
    for (auto& T : tb) present_a += static_cast<double>(T.a_values.size());
    for (auto& Sb : sb) present_s += static_cast<double>(Sb.s_count.size());
    present_a /= static_cast<double>(std::max<std::size_t>(Nt, 1));
    present_s /= static_cast<double>(std::max<std::size_t>(Ns, 1));
    // AND+popcount of W words versus ~3 scattered increments per sample.
    if (present_a * std::max(1.0, present_s - 1.0) * static_cast<double>(W) <= 3.0 * static_cast<double>(n))
      mode = Mode::Popcount;
    if (mode != Mode::Popcount) {
      tb.clear();
      sb.clear();
    }
  }

  const std::size_t n_pairs = Ns * Nt;
  struct Scratch {
    std::vector<std::uint32_t> tab_as, tab_bs;
    std::vector<u64> keys;
    std::vector<std::uint32_t> cbs;
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(n_threads));

  if (mode == Mode::Popcount) {
    // Tiles of kTile targets x one source, target-tile-major, so a tile's
    // indicator rows stay in L1 across all sources (each pair is computed
    // exactly as below and written to its own cell).
    constexpr std::size_t kTile = 32;
    const std::size_t n_jb = (Nt + kTile - 1) / kTile;
    run_parallel(n_jb * Ns, n_threads, 16, [&](std::size_t ib, std::size_t ie, int worker) {
      Scratch& sc = scratch[static_cast<std::size_t>(worker)];
      for (std::size_t item = ib; item < ie; ++item) {
        if ((item & 7) == 0) check_interrupt();
        const std::size_t jb = item / Ns, i = item % Ns;
        const SourceBits& Sb = sb[i];
        const TargetBits* grp[4];
        std::size_t gj[4];
        int m = 0;
        auto flush = [&]() {
          if (m == 4) {
            double sa[4], sbv[4];
            popcount_group4_binary(grp, Sb, W, xlogx.data(), sa, sbv);
            for (int g = 0; g < 4; ++g) out(i, gj[g]) = (sa[g] - sbv[g] + tconst[gj[g]]) / static_cast<double>(n);
          } else {
            for (int g = 0; g < m; ++g) {
              double s_as = 0.0, s_bs = 0.0;
              sc.cbs.resize(grp[g]->n_b * 2);
              popcount_pair(*grp[g], Sb, W, xlogx.data(), sc.cbs.data(), s_as, s_bs);
              out(i, gj[g]) = (s_as - s_bs + tconst[gj[g]]) / static_cast<double>(n);
            }
          }
          m = 0;
        };
        for (std::size_t j = jb * kTile; j < std::min(Nt, (jb + 1) * kTile); ++j) {
          if (zero_diagonal && i == j) {
            out(i, j) = 0.0;
            continue;
          }
          const TargetBits& T = tb[j];
          if (Sb.s_count.size() == 2 && T.pad != 0 && T.n_b <= 16) {
            if (m > 0 && (T.a_values.size() != grp[0]->a_values.size() || T.n_b != grp[0]->n_b)) flush();
            grp[m] = &T;
            gj[m++] = j;
            if (m == 4) flush();
            continue;
          }
          double s_as = 0.0, s_bs = 0.0;
          sc.cbs.resize(T.n_b * Sb.s_count.size());
          popcount_pair(T, Sb, W, xlogx.data(), sc.cbs.data(), s_as, s_bs);
          out(i, j) = (s_as - s_bs + tconst[j]) / static_cast<double>(n);
        }
        if (m) flush();
      }
    });
    return;
  }

  run_parallel(n_pairs, n_threads, 64, [&](std::size_t pb, std::size_t pe, int worker) {
    Scratch& sc = scratch[static_cast<std::size_t>(worker)];
    for (std::size_t p = pb; p < pe; ++p) {
      if ((p & 15) == 0) check_interrupt();
      const std::size_t i = p / Nt, j = p % Nt;
      if (zero_diagonal && i == j) {
        out(i, j) = 0.0;
        continue;
      }
      const u64* a = A.data() + j * n;
      const u64* s = S.data() + i * n;
      double s_as = 0.0, s_bs = 0.0;
      if (mode == Mode::Popcount) {
        const TargetBits& T = tb[j];
        const SourceBits& Sb = sb[i];
        sc.cbs.resize(T.n_b * Sb.s_count.size());
        popcount_pair(T, Sb, W, xlogx.data(), sc.cbs.data(), s_as, s_bs);
      } else if (mode == Mode::Table) {
        if (sc.tab_as.empty()) {
          sc.tab_as.assign(static_cast<std::size_t>(nA * nS), 0u);
          sc.tab_bs.assign(static_cast<std::size_t>(nB * nS), 0u);
        }
        std::uint32_t* ta = sc.tab_as.data();
        std::uint32_t* tbs = sc.tab_bs.data();
        for (std::size_t t = 0; t < n; ++t) {
          ta[a[t] * nS + s[t]]++;
          tbs[(a[t] % nB) * nS + s[t]]++;
        }
        for (std::size_t t = 0; t < n; ++t) {
          std::uint32_t& c1 = ta[a[t] * nS + s[t]];
          if (c1) {
            s_as += xlogx[c1];
            c1 = 0;
          }
          std::uint32_t& c2 = tbs[(a[t] % nB) * nS + s[t]];
          if (c2) {
            s_bs += xlogx[c2];
            c2 = 0;
          }
        }
      } else {
        sc.keys.resize(n);
        for (std::size_t t = 0; t < n; ++t) sc.keys[t] = a[t] * nS + s[t];
        s_as = sum_clogc_sorted(sc.keys, xlogx);
        for (std::size_t t = 0; t < n; ++t) sc.keys[t] = (a[t] % nB) * nS + s[t];
        s_bs = sum_clogc_sorted(sc.keys, xlogx);
      }
      out(i, j) = (s_as - s_bs + tconst[j]) / static_cast<double>(n);
    }
  });
}

void te_discrete_conditional_all(MatrixView<const std::int32_t> codes, const DiscreteSpec& spec_in,
                                 MatrixView<double> out, int n_threads) {
  const std::size_t T = codes.rows, N = codes.cols;
  if (out.rows != N || out.cols != N) throw std::invalid_argument("out has the wrong shape");
  DiscreteSpec spec = spec_in;
  spec.cond_base = 1;
  Layout L = make_layout(T, spec, true);  // condition read at t - 1
  const std::size_t n = L.n;
  if (n == 0) throw std::invalid_argument("no time points left after embedding");
  n_threads = std::max(1, n_threads);
  const u64 b = static_cast<u64>(spec.base);
  const u64 nY = b * ipow(b, spec.k);  // (y_t, history)
  const u64 nS = L.nS, nH = ipow(b, spec.k);

  // Random odd multipliers (splitmix64 from a fixed seed) and row hashes.
  std::vector<u64> R(N);
  u64 st = 0x9E3779B97F4A7C15ull;
  for (std::size_t m = 0; m < N; ++m) R[m] = nn::splitmix64(st) | 1ull;
  std::vector<u64> H(T, 0);
  for (std::size_t t = 0; t < T; ++t) {
    u64 h = 0;
    for (std::size_t m = 0; m < N; ++m) h += (static_cast<u64>(codes(t, m)) + 1) * R[m];
    H[t] = h;
  }
  // Row index (time of y_t) of every sample.
  std::vector<std::size_t> rows(n);
  for_each_sample(L, [&](std::size_t s, std::size_t t) { rows[s] = t; });

  std::vector<u64> Yc(N * n), Sc(N * n);  // (y_t, history) codes and source codes
  {
    DiscreteSpec plain = spec;
    Layout Lp = L;
    Lp.nB = nH;
    Lp.nA = nY;
    for (std::size_t j = 0; j < N; ++j) {
      target_codes(codes.data + j, N, nullptr, plain, Lp, Yc.data() + j * n);
      source_codes(codes.data + j, N, plain, Lp, Sc.data() + j * n);
    }
  }
  std::vector<double> xlogx(n + 1);
  xlogx[0] = 0.0;
  for (std::size_t c = 1; c <= n; ++c) xlogx[c] = static_cast<double>(c) * std::log(static_cast<double>(c));

  run_parallel(N * N, n_threads, 4, [&](std::size_t pb, std::size_t pe, int) {
    std::vector<std::pair<u64, std::size_t>> hw(n);
    std::vector<u64> w(n), keys(n);
    for (std::size_t p = pb; p < pe; ++p) {
      check_interrupt();
      const std::size_t i = p / N, j = p % N;
      if (i == j) {
        out(i, j) = 0.0;
        continue;
      }
      for (std::size_t s = 0; s < n; ++s) {
        const std::size_t t = rows[s] - 1;
        u64 h = H[t] - (static_cast<u64>(codes(t, i)) + 1) * R[i] -
                (static_cast<u64>(codes(t, j)) + 1) * R[j];
        hw[s] = {h, s};
      }
      std::sort(hw.begin(), hw.end());
      u64 label = 0;
      for (std::size_t s = 0; s < n; ++s) {
        if (s > 0 && hw[s].first != hw[s - 1].first) ++label;
        w[hw[s].second] = label;
      }
      const u64* y = Yc.data() + j * n;
      const u64* x = Sc.data() + i * n;
      // keys: ((w * nY + y) * nS + x) etc.; w < n, so they fit whenever nY * nS * n < 2^64.
      for (std::size_t s = 0; s < n; ++s) keys[s] = (w[s] * nY + y[s]) * nS + x[s];
      double s_as = sum_clogc_sorted(keys, xlogx);
      for (std::size_t s = 0; s < n; ++s) keys[s] = (w[s] * nH + y[s] % nH) * nS + x[s];
      double s_bs = sum_clogc_sorted(keys, xlogx);
      for (std::size_t s = 0; s < n; ++s) keys[s] = w[s] * nY + y[s];
      double s_a = sum_clogc_sorted(keys, xlogx);
      for (std::size_t s = 0; s < n; ++s) keys[s] = w[s] * nH + y[s] % nH;
      double s_b = sum_clogc_sorted(keys, xlogx);
      out(i, j) = (s_as - s_bs - s_a + s_b) / static_cast<double>(n);
    }
  });
}

void te_discrete_local(const std::int32_t* src, const std::int32_t* tgt, std::size_t T,
                       const std::int32_t* cond, const DiscreteSpec& spec, double* out) {
  const Layout L = make_layout(T, spec, cond != nullptr);
  const std::size_t n = L.n;
  if (n == 0) return;
  std::vector<u64> A(n), S(n);
  target_codes(tgt, 1, cond, spec, L, A.data());
  source_codes(src, 1, spec, L, S.data());
  const u64 nS = L.nS, nB = L.nB;
  // Count each of the four marginals by sorting (index, key) pairs.
  auto counts = [&](auto key_of) {
    std::vector<std::pair<u64, std::size_t>> kv(n);
    for (std::size_t t = 0; t < n; ++t) kv[t] = {key_of(t), t};
    std::sort(kv.begin(), kv.end());
    std::vector<double> c(n);
    std::size_t i = 0;
    while (i < n) {
      std::size_t j = i + 1;
      while (j < n && kv[j].first == kv[i].first) ++j;
      for (std::size_t q = i; q < j; ++q) c[kv[q].second] = static_cast<double>(j - i);
      i = j;
    }
    return c;
  };
  auto cas = counts([&](std::size_t t) { return A[t] * nS + S[t]; });
  auto cbs = counts([&](std::size_t t) { return (A[t] % nB) * nS + S[t]; });
  auto ca = counts([&](std::size_t t) { return A[t]; });
  auto cb = counts([&](std::size_t t) { return A[t] % nB; });
  for (std::size_t t = 0; t < n; ++t) out[t] = std::log((cas[t] * cb[t]) / (cbs[t] * ca[t]));
}

}  // namespace info
}  // namespace nn
