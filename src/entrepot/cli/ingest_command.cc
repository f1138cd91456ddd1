// `entrepot ingest`: scan records from an NDJSON file, as an offline device or a migration
// would send them. Lines are parsed, grouped into batches and committed with one
// transaction per batch; per-line outcomes are written (and flushed) only after their batch
// is committed, so every line listed in the outcomes file is durable. Malformed lines are
// reported with their line number and skipped; re-running the same file is safe, because
// each record's id is an idempotency key.
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <vector>

#include "entrepot/api/stock_json.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/line_reader.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/events.h"
#include "entrepot/wire/scan_record.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

using nlohmann::json;

struct Tally {
  size_t lines = 0;
  size_t malformed = 0;
  size_t replayed = 0;
  std::map<std::string, size_t> outcomes;
};

class Ingester {
 public:
  Ingester(engine::SiteEngine& engine, std::ostream* outcomes, size_t batch_size)
      : engine_(engine), outcomes_(outcomes), batch_size_(batch_size) {}

  // Adds one line; commits when the batch is full.
  Status AddLine(size_t line_number, LineReader::Result result, const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos &&
        result == LineReader::Result::kLine) {
      return OkStatus();  // Blank lines are allowed between records.
    }
    ++tally_.lines;
    StatusOr<wire::ScanRecord> record =
        result == LineReader::Result::kTooLong
            ? Error(StatusCode::kInvalidArgument, "record_too_large",
                    "the line is longer than " + std::to_string(wire::kMaxRecordBytes) + " bytes")
            : parser_.Parse(line);
    StatusOr<core::Mode> mode =
        record.ok() ? core::ParseMode(record->mode) : StatusOr<core::Mode>(record.status());
    if (!mode.ok()) {
      Malformed(line_number, mode.status());
      return OkStatus();
    }
    commands_.push_back(core::ScanCommand{std::move(record->id), std::move(record->device), *mode,
                                          std::move(record->code),
                                          record->at_ms.value_or(SystemNowMs())});
    line_numbers_.push_back(line_number);
    if (commands_.size() >= batch_size_) {
      return Flush();
    }
    return OkStatus();
  }

  // Commits the pending batch and writes its outcomes.
  Status Flush() {
    if (commands_.empty()) {
      return OkStatus();
    }
    StatusOr<std::vector<engine::ScanReply>> replies = engine_.Execute(commands_);
    if (!replies.ok()) {
      return replies.status();
    }
    for (size_t i = 0; i < replies->size(); ++i) {
      const engine::ScanReply& reply = (*replies)[i];
      ++tally_.outcomes[std::string(core::OutcomeName(reply.reply.outcome))];
      tally_.replayed += reply.replayed ? 1 : 0;
      if (outcomes_ != nullptr) {
        *outcomes_ << api::DumpJson({{"line", line_numbers_[i]},
                                     {"id", commands_[i].key},
                                     {"outcome", core::OutcomeName(reply.reply.outcome)},
                                     {"message", reply.reply.message},
                                     {"prompt", reply.reply.prompt},
                                     {"seq", reply.seq},
                                     {"replayed", reply.replayed}})
                   << "\n";
      }
    }
    if (outcomes_ != nullptr) {
      outcomes_->flush();
    }
    commands_.clear();
    line_numbers_.clear();
    return OkStatus();
  }

  const Tally& tally() const { return tally_; }

 private:
  void Malformed(size_t line_number, const Status& status) {
    ++tally_.malformed;
    std::cerr << "line " << line_number << ": " << status.ToString() << "\n";
    if (outcomes_ != nullptr) {
      *outcomes_ << api::DumpJson(
                        {{"line", line_number},
                         {"error", {{"code", status.reason()}, {"message", status.message()}}}})
                 << "\n";
    }
  }

  engine::SiteEngine& engine_;
  std::ostream* outcomes_;
  size_t batch_size_;
  wire::ScanRecordParser parser_;
  std::vector<core::ScanCommand> commands_;
  std::vector<size_t> line_numbers_;
  Tally tally_;
};

engine::EngineOptions EngineOptionsFor(const IngestOptions& options) {
  engine::EngineOptions engine_options;
  engine_options.site.stow_too_fast_ms = options.stow_too_fast_ms;
  return engine_options;
}

void PrintSummary(const Tally& tally, double seconds) {
  size_t scans = tally.lines - tally.malformed;
  std::cout << "ingested " << scans << " scans from " << tally.lines << " records in " << seconds
            << " s";
  if (seconds > 0) {
    std::cout << " (" << static_cast<int64_t>(static_cast<double>(scans) / seconds) << " scans/s)";
  }
  std::cout << "\n  malformed records skipped: " << tally.malformed
            << "\n  replayed ids (first outcome returned): " << tally.replayed << "\n";
  for (const auto& [outcome, count] : tally.outcomes) {
    std::cout << "  " << outcome << ": " << count << "\n";
  }
}

}  // namespace

int RunIngest(const IngestOptions& options) {
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      OpenSite({options.data_dir, options.store, options.site}, OpenMode::kExisting,
               EngineOptionsFor(options));
  if (!engine.ok()) {
    return ReportSiteError(engine.status());
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.input_file != "-") {
    file.open(options.input_file, std::ios::binary);
    if (!file) {
      return ReportError(
          Error(StatusCode::kNotFound, "file_not_found", "cannot open " + options.input_file));
    }
    in = &file;
  }
  std::ofstream outcomes;
  if (options.outcomes_file) {
    outcomes.open(*options.outcomes_file, std::ios::binary | std::ios::app);
    if (!outcomes) {
      return ReportError(Error(StatusCode::kUnavailable, "outcomes_unwritable",
                               "cannot write " + *options.outcomes_file));
    }
  }
  auto start = std::chrono::steady_clock::now();
  Ingester ingester(**engine, options.outcomes_file ? &outcomes : nullptr, options.batch_size);
  LineReader reader(*in, wire::kMaxRecordBytes);
  std::string line;
  for (LineReader::Result result = reader.Next(line); result != LineReader::Result::kEnd;
       result = reader.Next(line)) {
    if (Status status = ingester.AddLine(reader.line_number(), result, line); !status.ok()) {
      return ReportError(status);
    }
  }
  if (Status status = ingester.Flush(); !status.ok()) {
    return ReportError(status);
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  PrintSummary(ingester.tally(), elapsed.count());
  return ingester.tally().malformed == 0 ? 0 : 1;
}

}  // namespace entrepot::cli
