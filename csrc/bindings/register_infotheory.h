// Bindings for csrc/infotheory: discrete (plug-in) and KSG transfer entropy and
// mutual information for all (source, target) pairs.  Inputs were validated by
// netneuro.infotheory; results are in nats.
#pragma once
#include <optional>

#include "bindings/common.h"
#include "infotheory/discrete.hpp"
#include "infotheory/ksg.hpp"
#include "infotheory/ksg_cmi.hpp"

namespace nnpy {

inline void register_infotheory(py::module_& m) {
  using I32 = std::int32_t;

  auto make_spec = [](int base, int k, int l, int delay, int cond_base, std::size_t segment) {
    nn::info::DiscreteSpec s;
    s.base = base;
    s.k = k;
    s.l = l;
    s.delay = delay;
    s.cond_base = cond_base;
    s.segment = segment;
    return s;
  };

  m.def(
      "te_discrete",
      [make_spec](const carray<I32>& src, const carray<I32>& tgt,
                  const std::optional<carray<I32>>& cond, int base, int k, int l, int delay,
                  int cond_base, std::size_t segment, bool zero_diagonal, int n_jobs) {
        auto s = matrix(src, "src");
        auto t = matrix(tgt, "tgt");
        const I32* c = nullptr;
        if (cond) {
          require_ndim(*cond, 1, "cond");
          if (static_cast<std::size_t>(cond->shape(0)) != s.rows)
            throw std::invalid_argument("cond must have one code per time point");
          c = cond->data();
        }
        auto spec = make_spec(base, k, l, delay, c ? cond_base : 1, segment);
        auto out = empty<double>({src.shape(1), tgt.shape(1)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::info::te_discrete(s, t, c, spec, zero_diagonal, o, n_jobs);
        }
        return out;
      },
      py::arg("src"), py::arg("tgt"), py::arg("cond"), py::arg("base"), py::arg("k"),
      py::arg("l"), py::arg("delay"), py::arg("cond_base"), py::arg("segment"),
      py::arg("zero_diagonal"), py::arg("n_jobs"),
      "Plug-in TE (nats) from every column of src (T, Ns) int32 to every column of tgt (T, Nt) "
      "-> (Ns, Nt).");

  m.def(
      "te_discrete_conditional_all",
      [make_spec](const carray<I32>& codes, int base, int k, int l, int delay, int n_jobs) {
        auto c = matrix(codes, "codes");
        auto spec = make_spec(base, k, l, delay, 1, 0);
        auto out = empty<double>({codes.shape(1), codes.shape(1)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::info::te_discrete_conditional_all(c, spec, o, n_jobs);
        }
        return out;
      },
      py::arg("codes"), py::arg("base"), py::arg("k"), py::arg("l"), py::arg("delay"),
      py::arg("n_jobs"),
      "Complete plug-in TE (nats) of every ordered pair given all other columns at t-1 -> (N, N).");

  m.def(
      "te_discrete_local",
      [make_spec](const carray<I32>& src, const carray<I32>& tgt,
                  const std::optional<carray<I32>>& cond, int base, int k, int l, int delay,
                  int cond_base, std::size_t segment) {
        require_ndim(src, 1, "src");
        require_ndim(tgt, 1, "tgt");
        const std::size_t T = static_cast<std::size_t>(src.shape(0));
        if (static_cast<std::size_t>(tgt.shape(0)) != T)
          throw std::invalid_argument("source and target lengths differ");
        const I32* c = nullptr;
        if (cond) {
          require_ndim(*cond, 1, "cond");
          if (static_cast<std::size_t>(cond->shape(0)) != T)
            throw std::invalid_argument("cond must have one code per time point");
          c = cond->data();
        }
        auto spec = make_spec(base, k, l, delay, c ? cond_base : 1, segment);
        std::size_t n = nn::info::discrete_samples(T, spec);
        auto out = empty<double>({static_cast<py::ssize_t>(n)});
        {
          py::gil_scoped_release release;
          nn::info::te_discrete_local(src.data(), tgt.data(), T, c, spec, out.mutable_data());
        }
        return out;
      },
      py::arg("src"), py::arg("tgt"), py::arg("cond"), py::arg("base"), py::arg("k"),
      py::arg("l"), py::arg("delay"), py::arg("cond_base"), py::arg("segment"),
      "Local plug-in TE (nats) of one pair, one value per usable time point.");

  m.def(
      "discrete_samples",
      [make_spec](std::size_t T, int base, int k, int l, int delay, int cond_base,
                  std::size_t segment) {
        return nn::info::discrete_samples(T, make_spec(base, k, l, delay, cond_base, segment));
      },
      py::arg("T"), py::arg("base"), py::arg("k"), py::arg("l"), py::arg("delay"),
      py::arg("cond_base"), py::arg("segment"), "Usable samples after embedding.");

  m.def(
      "discrete_scratch_bytes",
      [make_spec](std::size_t T, std::size_t Ns, std::size_t Nt, int base, int k, int l, int delay,
                  int cond_base, std::size_t segment, int n_jobs) {
        return nn::info::discrete_scratch_bytes(T, Ns, Nt,
                                                make_spec(base, k, l, delay, cond_base, segment),
                                                n_jobs);
      },
      py::arg("T"), py::arg("Ns"), py::arg("Nt"), py::arg("base"), py::arg("k"), py::arg("l"),
      py::arg("delay"), py::arg("cond_base"), py::arg("segment"), py::arg("n_jobs"),
      "Bytes of scratch memory te_discrete would allocate.");

  m.def(
      "te_ksg",
      [](const carray<double>& src, const carray<double>& tgt, int k, int l, int delay,
         int neighbours, bool zero_diagonal, int n_jobs) {
        auto s = matrix(src, "src");
        auto t = matrix(tgt, "tgt");
        nn::info::KsgSpec spec;
        spec.k = k;
        spec.l = l;
        spec.delay = delay;
        spec.neighbours = neighbours;
        auto out = empty<double>({src.shape(1), tgt.shape(1)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::info::te_ksg(s, t, spec, zero_diagonal, o, n_jobs);
        }
        return out;
      },
      py::arg("src"), py::arg("tgt"), py::arg("k"), py::arg("l"), py::arg("delay"),
      py::arg("neighbours"), py::arg("zero_diagonal"), py::arg("n_jobs"),
      "KSG (algorithm 1, max-norm) TE (nats) for all pairs -> (Ns, Nt).");

  m.def(
      "mi_ksg",
      [](const carray<double>& x, const carray<double>& y, int neighbours, bool symmetric,
         int n_jobs) {
        auto a = matrix(x, "x");
        auto b = matrix(y, "y");
        auto out = empty<double>({x.shape(1), y.shape(1)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::info::mi_ksg(a, b, neighbours, symmetric, o, n_jobs);
        }
        return out;
      },
      py::arg("x"), py::arg("y"), py::arg("neighbours"), py::arg("symmetric"), py::arg("n_jobs"),
      "KSG (algorithm 1, max-norm) MI (nats) for all column pairs -> (Nx, Ny).");

  // --- network inference: KSG conditional MI of arbitrary X, Y, Z over row permutations of X
  m.def(
      "ksg_cmi_perms",
      [](const carray<double>& x, const carray<double>& y, const carray<double>& z,
         const carray<std::int64_t>& perms, int neighbours, int n_jobs, int groups) {
        auto a = matrix(x, "x");
        auto b = matrix(y, "y");
        auto c = matrix(z, "z");
        auto p = matrix(perms, "perms");
        if (groups < 1) throw std::invalid_argument("groups must be >= 1");
        const auto g = static_cast<std::size_t>(groups);
        auto out = empty<double>({static_cast<py::ssize_t>(std::max<std::size_t>(p.rows, g))});
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          nn::info::ksg_cmi_perms(a, b, c, p, neighbours, o, n_jobs, g);
        }
        return out;
      },
      py::arg("x"), py::arg("y"), py::arg("z"), py::arg("perms"), py::arg("neighbours"),
      py::arg("n_jobs"), py::arg("groups") = 1,
      "KSG (algorithm 1, max-norm) I(x[perm]; y | z) (nats) for each row of perms -> (P,); "
      "x: groups candidates of equal width side by side, row block g of perms permutes "
      "candidate g; z may have 0 columns (MI), perms (0, n) means each candidate as given "
      "-> (groups,).");
}

}  // namespace nnpy
