#pragma once
// What to cite when publishing results made with hfx, as BibTeX (`hfx --cite`,
// hfx.utils.citation()): the pyhf software and paper, whose JSON likelihood format and
// HistFactory model hfx implements, the HistFactory note, and hfx itself.
#include "hfx/version.hpp"

#include <string>

namespace hfx {

inline std::string citation() {
  return R"(@software{pyhf,
  author = {Lukas Heinrich and Matthew Feickert and Giordon Stark},
  title = "{pyhf: v0.7.6}",
  version = {0.7.6},
  doi = {10.5281/zenodo.1169739},
  url = {https://doi.org/10.5281/zenodo.1169739},
  note = {https://github.com/scikit-hep/pyhf/releases/tag/v0.7.6}
}

@article{pyhf_joss,
  doi = {10.21105/joss.02823},
  url = {https://doi.org/10.21105/joss.02823},
  year = {2021},
  publisher = {The Open Journal},
  volume = {6},
  number = {58},
  pages = {2823},
  author = {Lukas Heinrich and Matthew Feickert and Giordon Stark and Kyle Cranmer},
  title = {pyhf: pure-Python implementation of HistFactory statistical models},
  journal = {Journal of Open Source Software}
}

@techreport{histfactory,
  author = {Kyle Cranmer and George Lewis and Lorenzo Moneta and Akira Shibata and Wouter Verkerke},
  title = {{HistFactory: A tool for creating statistical models for use with RooFit and RooStats}},
  institution = {CERN},
  number = {CERN-OPEN-2012-016},
  year = {2012},
  doi = {10.17181/CERN-OPEN-2012-016}
}

@software{hfx,
  title = "{hfx: HistFactory likelihoods in C++20, pyhf-compatible: v)" +
         std::string(kVersion) + R"(}",
  version = {)" + std::string(kVersion) + R"(}
}
)";
}

}  // namespace hfx
