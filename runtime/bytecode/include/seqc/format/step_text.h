// How listings, reports and the workspace write a step's duration.
#pragma once

#include <string>

#include "seqc/format/bytecode.h"

namespace seqc::bc {

// As written in the source: `2d`, `3 business days`, `1 business hour`.
std::string durationText(const Step& s);

}  // namespace seqc::bc
