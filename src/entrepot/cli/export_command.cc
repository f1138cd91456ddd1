// `entrepot export epcis`: the site's journal as one GS1 EPCIS 2.0 document (docs/EPCIS.md).
// The journal is opened read-only and every entry is fed to the EPCIS mapper in seq order
// (it follows containers from the first entry on); the events whose eventTime falls in
// [--from, --to) are kept, wrapped in an EPCISDocument, checked against the EPCIS JSON
// Schema and written. A document that fails the schema is a bug in Entrepôt: nothing is
// written and the command fails with "invalid_epcis_document".
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/codec.h"
#include "entrepot/core/events.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/event_mapping.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/epcis/schema.h"
#include "entrepot/store/journal.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

using nlohmann::json;

struct TimeRange {
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
  bool Contains(int64_t ms) const { return ms >= from_ms && ms < to_ms; }
};

// "YYYY-MM-DD" (midnight UTC) or an EPCIS date-time.
StatusOr<int64_t> ParseBound(const std::string& text, std::string_view flag) {
  StatusOr<int64_t> ms =
      text.size() == 10 ? epcis::ParseEpcisTime(text + "T00:00:00Z") : epcis::ParseEpcisTime(text);
  if (!ms.ok()) {
    return Error(StatusCode::kInvalidArgument, "bad_time",
                 std::string(flag) + " '" + text.substr(0, 64) +
                     "' is not a date: write YYYY-MM-DD (midnight UTC) or an EPCIS date-time "
                     "such as 2026-11-28T08:00:00+01:00");
  }
  return ms;
}

StatusOr<TimeRange> ParseRange(const ExportEpcisOptions& options) {
  TimeRange range;
  if (options.from) {
    ENTREPOT_ASSIGN_OR_RETURN(range.from_ms, ParseBound(*options.from, "--from"));
  }
  if (options.to) {
    ENTREPOT_ASSIGN_OR_RETURN(range.to_ms, ParseBound(*options.to, "--to"));
  }
  if (range.from_ms >= range.to_ms) {
    return Error(StatusCode::kInvalidArgument, "bad_range",
                 "--from must be before --to (the range is [from, to))");
  }
  return range;
}

// The identifier options, checked before the journal is opened (the site code, which comes
// from the journal, is checked again once known).
StatusOr<epcis::IdOptions> ParseIds(const ExportEpcisOptions& options) {
  epcis::IdOptions ids;
  ENTREPOT_ASSIGN_OR_RETURN(ids.form, epcis::ParseIdForm(options.ids));
  ids.company_prefix_length = options.company_prefix_length;
  ids.site_gln = options.gln.value_or("");
  ids.site_code = "SITE";  // Placeholder until the journal's SiteDefined.
  ENTREPOT_RETURN_IF_ERROR(epcis::ValidateIdOptions(ids));
  return ids;
}

// Feeds the journal to the mapper and keeps the events in range.
class Exporter {
 public:
  Exporter(epcis::IdOptions ids, TimeRange range, size_t max_events)
      : ids_(std::move(ids)), range_(range), max_events_(max_events) {}

  Status Add(const store::JournalRecord& record) {
    ENTREPOT_ASSIGN_OR_RETURN(core::Entry entry, core::DecodeEntry(record.payload));
    if (!mapper_) {
      ENTREPOT_RETURN_IF_ERROR(StartMapper(entry));
      if (!mapper_) {
        return OkStatus();
      }
    }
    if (!range_.Contains(entry.at_ms)) {
      mapper_->Skip(entry);
      return OkStatus();
    }
    StatusOr<std::vector<json>> events = mapper_->Map(entry);
    if (!events.ok()) {
      return events.status().WithContext("journal entry " + std::to_string(entry.seq));
    }
    for (json& event : *events) {
      if (events_.size() >= max_events_) {
        return Error(StatusCode::kResourceExhausted, "too_many_events",
                     "more than " + std::to_string(max_events_) +
                         " EPCIS events in one document; export a shorter period with "
                         "--from and --to");
      }
      ++steps_[event["bizStep"].get<std::string>()];
      events_.push_back(std::move(event));
    }
    return OkStatus();
  }

  std::vector<json>& events() { return events_; }
  const std::map<std::string, size_t>& steps() const { return steps_; }

 private:
  static Status SiteNotDefined() {
    return Error(StatusCode::kFailedPrecondition, "site_not_defined",
                 "the journal does not start with the site's definition (SiteDefined); "
                 "it was not created by `entrepot init`");
  }
  // The mapper needs the site code for private URNs: it comes from SiteDefined, the first
  // event `entrepot init` journals.
  Status StartMapper(const core::Entry& entry) {
    for (const core::Event& event : entry.events) {
      if (const auto* site = std::get_if<core::SiteDefined>(&event)) {
        ids_.site_code = site->code;
        ENTREPOT_RETURN_IF_ERROR(epcis::ValidateIdOptions(ids_));
        mapper_ = std::make_unique<epcis::EpcisMapper>(ids_);
        return OkStatus();
      }
    }
    if (entry.kind == core::Entry::Kind::kScan) {
      return SiteNotDefined();
    }
    return OkStatus();
  }

  epcis::IdOptions ids_;
  TimeRange range_;
  size_t max_events_;
  std::unique_ptr<epcis::EpcisMapper> mapper_;
  std::vector<json> events_;
  std::map<std::string, size_t> steps_;
};

// Writes `text` to `path` through a temporary file renamed into place, so that a reader
// never sees half a document.
Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out.good()) {
      std::filesystem::remove(temporary);
      return Error(StatusCode::kUnavailable, "write_failed", "cannot write " + temporary);
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary);
    return Error(StatusCode::kUnavailable, "write_failed",
                 "cannot rename " + temporary + " to " + path + ": " + error.message());
  }
  return OkStatus();
}

void PrintSummary(size_t events, const std::map<std::string, size_t>& steps,
                  const ExportEpcisOptions& options) {
  std::cerr << "exported " << events << " EPCIS events";
  const char* separator = " (";
  for (const auto& [step, count] : steps) {
    std::cerr << separator << step << " " << count;
    separator = ", ";
  }
  std::cerr << (steps.empty() ? "" : ")") << " to "
            << (options.output_file ? *options.output_file : "stdout") << "\n";
}

}  // namespace

int RunExportEpcis(const ExportEpcisOptions& options) {
  StatusOr<TimeRange> range = ParseRange(options);
  if (!range.ok()) {
    return ReportError(range.status(), 1);
  }
  StatusOr<epcis::IdOptions> ids = ParseIds(options);
  if (!ids.ok()) {
    return ReportError(ids.status(), 1);
  }
  StatusOr<std::unique_ptr<store::Journal>> journal =
      OpenJournal({options.data_dir, options.store, options.site}, OpenMode::kReadOnly);
  if (!journal.ok()) {
    return ReportSiteError(journal.status());
  }
  if (options.max_events == 0 || options.max_events > kMaxExportEvents) {
    return ReportError(Error(StatusCode::kInvalidArgument, "bad_max_events",
                             "--max-events must be 1 to " + std::to_string(kMaxExportEvents)),
                       1);
  }
  Exporter exporter(*std::move(ids), *range, options.max_events);
  Status scanned = (*journal)->Scan(
      0, [&exporter](const store::JournalRecord& record) { return exporter.Add(record); });
  if (!scanned.ok()) {
    bool refused =
        scanned.reason() == "too_many_events" || scanned.code() == StatusCode::kInvalidArgument;
    return ReportError(scanned, refused ? 1 : 2);
  }
  const size_t count = exporter.events().size();
  json document = epcis::MakeEpcisDocument(std::move(exporter.events()), SystemNowMs());
  if (Status valid = epcis::CheckEpcisDocument(document); !valid.ok()) {
    // A bug in Entrepôt's mapping, never the user's input: say so and write nothing.
    return ReportError(Error(StatusCode::kInternal, "invalid_epcis_document",
                             "the exported document breaks the EPCIS JSON Schema (a bug in "
                             "Entrepôt; please report it): " +
                                 valid.message()),
                       2);
  }
  std::string text = document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  if (options.output_file) {
    if (Status written = WriteAtomically(*options.output_file, text); !written.ok()) {
      return ReportError(written, 2);
    }
  } else {
    std::cout << text << std::flush;
  }
  PrintSummary(count, exporter.steps(), options);
  return 0;
}

}  // namespace entrepot::cli
