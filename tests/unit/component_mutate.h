// Random mutations of component binaries for the fuzz tests: bit flips,
// interesting values, insertions, deletions, truncation, spliced copies.
#pragma once

#include <algorithm>
#include <random>

#include "component_builder.h"

namespace cb {

inline void mutate(Bytes& b, std::mt19937& rng) {
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x7f, 0x80,
                                         0xff, 0x40, 0x3f, 0x12, 0x11};
  int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits; ++e) {
    switch (pick(7)) {
      case 0:  // flip a bit
        if (!b.empty()) b[pick(b.size())] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 1:  // an interesting value
        if (!b.empty()) b[pick(b.size())] = kInteresting[pick(sizeof kInteresting)];
        break;
      case 2:  // a random byte
        if (!b.empty()) b[pick(b.size())] = static_cast<uint8_t>(pick(256));
        break;
      case 3:  // insert
        b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)),
                 static_cast<uint8_t>(pick(256)));
        break;
      case 4:  // delete
        if (!b.empty()) b.erase(b.begin() + static_cast<long>(pick(b.size())));
        break;
      case 5:  // truncate
        b.resize(pick(b.size() + 1));
        break;
      case 6: {  // duplicate a slice somewhere else
        if (b.size() < 2) break;
        size_t from = pick(b.size()), len = 1 + pick(std::min<size_t>(16, b.size() - from));
        Bytes slice(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + len));
        b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)), slice.begin(), slice.end());
        break;
      }
    }
  }
}

}  // namespace cb
