// netneuro._core: the only translation unit that includes pybind11.
//
// Each area of the core registers its functions from a header
// bindings/register_<area>.h into a submodule of the same name.
#include <Python.h>

#include "bindings/common.h"
#include "bindings/register_common.h"
#include "common/interrupt.hpp"
#include "common/lapack.hpp"

#include "bindings/register_control.h"
#include "bindings/register_graph.h"
#include "bindings/register_infotheory.h"
#include "bindings/register_maxent.h"
#include "bindings/register_topology.h"

#ifndef NETNEURO_VERSION
#define NETNEURO_VERSION "unknown"
#endif
#ifndef NETNEURO_COMPILER
#define NETNEURO_COMPILER "unknown"
#endif
#ifndef NETNEURO_BUILD_TYPE
#define NETNEURO_BUILD_TYPE "unknown"
#endif

namespace {

// Called by kernels (through nn::check_interrupt) on the thread that entered
// the core, with the GIL released: takes the GIL and runs Python's pending
// signal handlers.  A raised exception (KeyboardInterrupt) means "stop".
bool python_interrupt_hook() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    PyErr_Clear();
    return true;
  }
  return false;
}

// Registers every BLAS/LAPACK function pointer SciPy exports (LP64) with the
// core, so kernels can use any routine through nn::lapack::lookup(name).
void load_scipy_lapack() {
  const char* modules[] = {"scipy.linalg.cython_blas", "scipy.linalg.cython_lapack"};
  for (const char* modname : modules) {
    py::dict capi = py::module_::import(modname).attr("__pyx_capi__");
    for (auto item : capi) {
      PyObject* cap = item.second.ptr();
      if (!PyCapsule_CheckExact(cap)) continue;
      void* fn = PyCapsule_GetPointer(cap, PyCapsule_GetName(cap));
      if (fn == nullptr) throw py::error_already_set();
      nn::lapack::register_routine(py::cast<std::string>(item.first), fn);
    }
  }
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "netneuro compiled core (C++17, std::thread parallelism).";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nn::Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
  });
  nn::set_interrupt_hook(&python_interrupt_hook);
  load_scipy_lapack();

  py::dict build;
  build["version"] = NETNEURO_VERSION;
  build["compiler"] = NETNEURO_COMPILER;
  build["build_type"] = NETNEURO_BUILD_TYPE;
#ifdef __SANITIZE_ADDRESS__
  build["sanitizers"] = "address,undefined";
#else
  build["sanitizers"] = "";
#endif
  py::list areas;
  areas.append("common");
  nnpy::register_common(m);
  // One submodule per area of the core, named as its csrc/ folder.
  using Register = void (*)(py::module_&);
  const struct {
    const char* name;
    const char* doc;
    Register add;
  } submodules[] = {
      {"topology", "Vietoris-Rips persistent homology.", &nnpy::register_topology},
      {"infotheory", "Transfer entropy and mutual information.", &nnpy::register_infotheory},
      {"maxent", "Pairwise maximum-entropy (Ising) models.", &nnpy::register_maxent},
      {"control", "Gramians and controllability.", &nnpy::register_control},
      {"graph", "Graph metrics.", &nnpy::register_graph},
  };
  for (const auto& area : submodules) {
    auto sub = m.def_submodule(area.name, area.doc);
    area.add(sub);
    areas.append(area.name);
  }
  build["areas"] = areas;
  m.attr("build_info") = build;
  m.attr("__version__") = NETNEURO_VERSION;
}
