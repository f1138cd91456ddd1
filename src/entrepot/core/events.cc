#include "entrepot/core/events.h"

#include <array>
#include <string>

namespace entrepot::core {
namespace {

constexpr std::array<std::string_view, kModeCount> kModeNames = {"receive", "stow", "pick", "pack",
                                                                 "move",    "ship", "count"};

constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "ok",
    "reverify",
    "unknown_code",
    "bad_barcode",
    "bad_check_digit",
    "unknown_location",
    "unknown_product",
    "unknown_container",
    "wrong_location",
    "location_full",
    "not_expected",
    "not_in_stock",
    "duplicate",
    "container_loop",
    "already_shipped",
    "too_many_items",
    "too_old",
};

}  // namespace

std::string_view ModeName(Mode mode) { return kModeNames[static_cast<size_t>(mode)]; }

StatusOr<Mode> ParseMode(std::string_view name) {
  for (size_t i = 0; i < kModeNames.size(); ++i) {
    if (kModeNames[i] == name) {
      return static_cast<Mode>(i);
    }
  }
  return Error(StatusCode::kInvalidArgument, "bad_mode",
               "mode \"" + std::string(name) +
                   "\" is not one of receive, stow, pick, pack, move, ship, count");
}

std::string_view OutcomeName(Outcome outcome) {
  return kOutcomeNames[static_cast<size_t>(outcome)];
}

bool IsAccepted(Outcome outcome) {
  return outcome == Outcome::kOk || outcome == Outcome::kReverify;
}

}  // namespace entrepot::core
