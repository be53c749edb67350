// Working coboundary column of the cohomology reduction as a radix heap.
//
// While one column is reduced its pivot only moves forward in the filtration:
// every column added to it has the same pivot and nothing earlier, and the
// coboundary of an apparent facet starts at the pivot it cancels.  A
// monotone priority queue therefore suffices, and a radix heap (Ahuja,
// Mehlhorn, Orlin & Tarjan, J. ACM 37, 1990) does it with O(1) pushes
// (appends) and pops that only touch entries near the front, instead of
// sifting through a binary heap of millions of entries that mostly cancel.
//
// Key of an entry: (diameter bits, ~index) as a 128-bit unsigned integer, so
// that the smallest key is the pivot (smallest diameter, then largest index).
// Entries with equal keys (the same simplex) are summed modulo p when popped.
// Entries pushed below the last popped key (terms of an added column's
// coboundary that cancel among themselves before the pivot) are kept aside
// and summed at the next pop; a survivor would mean the caller broke
// monotonicity, and is reported as an internal error.
//
// Besides single entries the queue holds streams: a stream is the caller's
// generator of one simplex's cofacets in increasing key order, queued under
// the key of its current head.  When the head is popped, `next(id, c, e)`
// returns the head's coefficient in c and advances the stream to e (false
// when it is exhausted).  A column that adds many simplices thus holds one
// item per simplex, not one per cofacet.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace nn {
namespace topology {

template <class T, class E>
class PivotQueue {
 public:
  explicit PivotQueue(std::int64_t modulus) : p_(modulus) {}

  void clear() {
    for (int b = 0; b <= top_; ++b) buckets_[b].clear();
    below_.clear();
    top_ = 0;
    last_ = Key{0, 0};
  }

  void push(const E& e) {
    const Item it{key_of(e), e.c};
    if (less(it.k, last_)) {
      below_.push_back(it);
      return;
    }
    place(it);
  }

  // Does e come before the last popped key?  (A stream must not be queued
  // with such a head: the caller pushes those entries singly and advances.)
  bool below_last(const E& e) const { return less(key_of(e), last_); }

  // Queues stream `id` (>= 0) whose head is `head` (not below_last).
  void push_stream(std::int64_t id, const E& head) { place(Item{key_of(head), -id - 1}); }

  // Removes and returns the pivot (coefficient summed mod p, zero sums
  // skipped); idx = -1 when the column is zero.
  template <class Next>
  E pop_pivot(Next&& next) {
    if (!below_.empty()) settle_below();
    while (true) {
      if (buckets_[0].empty() && !refill()) return E{0, -1, 0};
      std::int64_t c = 0;
      // Streams advance to keys above last_, never into bucket 0.
      for (std::size_t q = 0; q < buckets_[0].size(); ++q) {
        const Item it = buckets_[0][q];
        if (it.c >= 0) {
          c = (c + it.c) % p_;
          continue;
        }
        std::int64_t hc = 0;
        E nx;
        const bool more = next(-it.c - 1, hc, nx);
        c = (c + hc) % p_;
        if (more) place(Item{key_of(nx), it.c});
      }
      buckets_[0].clear();
      if (c != 0) return entry_of(last_, c);
    }
  }

  // The pivot, left in the queue.
  template <class Next>
  E get_pivot(Next&& next) {
    E piv = pop_pivot(next);
    if (piv.idx != -1) buckets_[0].push_back(Item{last_, piv.c});
    return piv;
  }

 private:
  struct Key {
    std::uint64_t hi, lo;  // hi: diameter bits, lo: ~index
  };
  struct Item {
    Key k;
    std::int64_t c;  // coefficient (>= 0), or -(stream id) - 1
  };
  static constexpr int kBuckets = 129;

  static bool less(const Key& a, const Key& b) {
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
  }

  // Filtration values map to unsigned integers in the same order (negative
  // values included: lower-star filtrations): a non-negative value's bits
  // with the sign bit set, a negative value's bits inverted; -0 maps as +0.
  static Key key_of(const E& e) {
    std::uint64_t hi;
    const T x = e.diam == 0 ? T(0) : e.diam;
    if constexpr (sizeof(T) == 4) {
      std::uint32_t b;
      std::memcpy(&b, &x, 4);
      hi = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    } else {
      std::uint64_t b;
      std::memcpy(&b, &x, 8);
      hi = (b & 0x8000000000000000ull) ? ~b : (b | 0x8000000000000000ull);
    }
    return Key{hi, ~static_cast<std::uint64_t>(e.idx)};
  }

  static E entry_of(const Key& k, std::int64_t c) {
    T diam;
    if constexpr (sizeof(T) == 4) {
      const std::uint32_t m = static_cast<std::uint32_t>(k.hi);
      const std::uint32_t b = (m & 0x80000000u) ? (m & 0x7fffffffu) : ~m;
      std::memcpy(&diam, &b, 4);
    } else {
      const std::uint64_t m = k.hi;
      const std::uint64_t b = (m & 0x8000000000000000ull) ? (m & 0x7fffffffffffffffull) : ~m;
      std::memcpy(&diam, &b, 8);
    }
    return E{diam, static_cast<decltype(E{}.idx)>(~k.lo), c};
  }

  // Bucket of a key >= last_: 0 when equal, else 1 + the highest differing bit.
  int bucket_of(const Key& k) const {
    const std::uint64_t h = k.hi ^ last_.hi;
    if (h != 0) return 128 - __builtin_clzll(h);
    const std::uint64_t l = k.lo ^ last_.lo;
    return l != 0 ? 64 - __builtin_clzll(l) : 0;
  }

  void place(const Item& it) {
    const int b = bucket_of(it.k);
    buckets_[b].push_back(it);
    if (b > top_) top_ = b;
  }

  // Moves the smallest non-empty bucket's minimum to last_ and redistributes
  // that bucket (its entries all land in lower buckets).
  bool refill() {
    int b = 1;
    while (b <= top_ && buckets_[b].empty()) ++b;
    if (b > top_) {
      top_ = 0;
      return false;
    }
    std::vector<Item>& src = buckets_[b];
    Key mn = src[0].k;
    for (const Item& it : src)
      if (less(it.k, mn)) mn = it.k;
    last_ = mn;
    scratch_.swap(src);
    for (const Item& it : scratch_) buckets_[bucket_of(it.k)].push_back(it);
    scratch_.clear();
    while (top_ > 0 && buckets_[top_].empty()) --top_;
    return true;
  }

  // Sums the entries pushed below last_: they must cancel.
  void settle_below() {
    std::sort(below_.begin(), below_.end(),
              [](const Item& a, const Item& b) { return less(a.k, b.k); });
    for (std::size_t i = 0; i < below_.size();) {
      std::size_t j = i;
      std::int64_t c = 0;
      for (; j < below_.size() && below_[j].k.hi == below_[i].k.hi &&
             below_[j].k.lo == below_[i].k.lo;
           ++j)
        c = (c + below_[j].c) % p_;
      if (c != 0)
        throw std::logic_error(
            "Vietoris-Rips reduction: a coboundary entry before the pivot did not cancel "
            "(internal error)");
      i = j;
    }
    below_.clear();
  }

  std::int64_t p_;
  std::vector<Item> buckets_[kBuckets];
  std::vector<Item> below_, scratch_;
  Key last_{0, 0};
  int top_ = 0;
};

}  // namespace topology
}  // namespace nn
