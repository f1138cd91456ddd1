// `entrepot orders import`: orders from an NDJSON or CSV file (docs/ORDERS.md, "Importing
// orders"), each decided by the site engine as POST /api/v1/orders would decide it, one at a
// time in file order, and committed in groups of up to kOrdersPerCommit. A refused order is
// reported with its line number and stable reason and the import goes on; re-running a file
// refuses (or, with --amend, amends) the orders already there, so an interrupted import is
// resumed by running it again.
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/csv_reader.h"
#include "entrepot/cli/line_reader.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/master_data.h"
#include "entrepot/core/orders.h"
#include "entrepot/server/order_json.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::cli {
namespace {

// An import file, read as a stream: the limit keeps the ids remembered for duplicate_order
// (at most kMaxImportOrders of them) and the run's length bounded.
constexpr uint64_t kMaxImportFileBytes = uint64_t{256} << 20;
constexpr size_t kMaxImportOrders = 1'000'000;
// Orders per journal commit: one sync for the group instead of one per order. The engine
// splits a group of large orders to stay within the journal's batch limit.
constexpr size_t kOrdersPerCommit = 1'000;
constexpr std::string_view kCsvHeader = "order_id,carrier,cutoff,priority,gtin,quantity";
constexpr size_t kCsvColumns = 6;

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

struct ImportTally {
  size_t placed = 0;
  size_t amended = 0;
  size_t refused = 0;     // Orders not imported (and NDJSON lines that are no order).
  size_t unreadable = 0;  // CSV rows that could not be split into fields.
  int64_t reserved = 0;
  int64_t shorted = 0;
};

// Places orders in groups and keeps the tally. The orders read are queued and decided one at
// a time, in file order, when kOrdersPerCommit are queued (and at the end); the site engine
// commits a group's entries together, so one sync serves a thousand orders and a crash loses
// at most the group being committed (a re-run resumes it). What each line comes to (placed,
// refused) is printed once its group is committed, in file order.
class OrderImporter {
 public:
  OrderImporter(engine::SiteEngine& engine, bool amend) : engine_(engine), amend_(amend) {}

  // Whether another order may be read; false (after reporting it) past kMaxImportOrders.
  bool Admit(size_t line) {
    if (seen_.size() < kMaxImportOrders) {
      return true;
    }
    reports_.push_back(Report{line, "",
                              Error(StatusCode::kResourceExhausted, "too_many_orders",
                                    "an import takes at most " + std::to_string(kMaxImportOrders) +
                                        " orders; split the file (orders already imported are "
                                        "refused on a re-run)"),
                              false});
    return false;
  }

  // Remembers that order `id` starts at `line`; "duplicate_order" when it appeared before.
  Status FirstAppearance(const std::string& id, size_t line) {
    if (id.size() > core::kMaxOrderIdLength) {
      return OkStatus();  // Refused as bad_order_id anyway; not worth remembering.
    }
    auto [it, inserted] = seen_.emplace(id, line);
    if (inserted) {
      return OkStatus();
    }
    return Error(StatusCode::kAlreadyExists, "duplicate_order",
                 "order " + id + " already appeared at line " + std::to_string(it->second) +
                     " of this file; the lines of one order must be together");
  }

  // Queues the order read at `line`, to be placed (or amended, with --amend, when it exists).
  // Returns an error only when the site cannot go on (the store failed).
  Status Submit(size_t line, core::OrderTerms terms) {
    reports_.push_back(Report{line, terms.id, OkStatus(), false});
    commands_.push_back(core::PlaceOrder{std::move(terms)});
    return FlushWhenFull();
  }

  // Queues "line N: order ID: reason: message" and counts the order refused.
  Status Refuse(size_t line, std::string id, Status status) {
    reports_.push_back(Report{line, std::move(id), std::move(status), false});
    return FlushWhenFull();
  }

  // Queues "line N: reason: message" for a CSV row that cannot be split into fields.
  Status Unreadable(size_t line, Status status) {
    reports_.push_back(Report{line, "", std::move(status), true});
    return FlushWhenFull();
  }

  // Decides the queued orders, commits them and prints the queued reports. On a store
  // failure nothing of the group is printed or counted, and its orders may not be placed
  // (the groups before it are).
  Status Flush() {
    std::vector<StatusOr<engine::OrderReply>> replies;
    if (!commands_.empty()) {
      StatusOr<std::vector<StatusOr<engine::OrderReply>>> decided = engine_.ExecuteOrders(
          commands_, SystemNowMs(),
          amend_ ? engine::IfOrderExists::kAmend : engine::IfOrderExists::kRefuse);
      if (!decided.ok()) {
        return decided.status().WithContext(
            "the orders from line " + std::to_string(reports_.front().line) +
            " on may not be imported (run the import again to resume)");
      }
      replies = *std::move(decided);
    }
    size_t next = 0;
    for (const Report& report : reports_) {
      if (!report.status.ok()) {
        Print(report.line, report.id, report.status, report.unreadable);
      } else if (const StatusOr<engine::OrderReply>& reply = replies[next++]; reply.ok()) {
        Count(*reply);
      } else {
        Print(report.line, report.id, reply.status(), false);
      }
    }
    reports_.clear();
    commands_.clear();
    return OkStatus();
  }

  const ImportTally& tally() const { return tally_; }

 private:
  // What a line of the file comes to, reported in file order once its group is committed.
  struct Report {
    size_t line = 0;
    std::string id;           // The order's id; empty when the line has none.
    Status status;            // OK: the next queued order, reported as the engine decides it.
    bool unreadable = false;  // A CSV row that could not be split (counted apart).
  };

  // Flushes once kOrdersPerCommit reports (orders, but refused lines too, which bounds the
  // memory they hold) are queued.
  Status FlushWhenFull() {
    if (reports_.size() < kOrdersPerCommit) {
      return OkStatus();
    }
    return Flush();
  }

  void Print(size_t line, const std::string& id, const Status& status, bool unreadable) {
    ++(unreadable ? tally_.unreadable : tally_.refused);
    std::cerr << "line " << line << ": " << (id.empty() ? "" : "order " + id + ": ")
              << status.ToString() << "\n";
  }

  void Count(const engine::OrderReply& reply) {
    ++(reply.amended ? tally_.amended : tally_.placed);
    for (const core::Event& event : reply.decision.events) {
      if (const auto* placed = std::get_if<core::OrderPlaced>(&event)) {
        for (const core::OrderLine& order_line : placed->lines) {
          tally_.reserved += order_line.reserved;
        }
      }
    }
    for (const core::Shortage& shortage : reply.decision.shortages) {
      tally_.shorted += shortage.units;
    }
  }

  engine::SiteEngine& engine_;
  bool amend_;
  std::unordered_map<std::string, size_t> seen_;  // Order id -> its first line.
  std::vector<Report> reports_;                   // Since the last flush, in file order.
  std::vector<core::OrderCommand> commands_;      // The orders among them.
  ImportTally tally_;
};

// --- NDJSON: one POST /api/v1/orders body per line -------------------------------------------

Status ImportNdjson(std::istream& in, OrderImporter& importer) {
  LineReader reader(in, server::kMaxOrderBodyBytes);
  std::string text;
  for (LineReader::Result result = reader.Next(text); result != LineReader::Result::kEnd;
       result = reader.Next(text)) {
    size_t line = reader.line_number();
    if (result == LineReader::Result::kLine &&
        text.find_first_not_of(" \t\r") == std::string::npos) {
      continue;  // Blank lines may separate orders.
    }
    if (!importer.Admit(line)) {
      return OkStatus();
    }
    StatusOr<core::OrderTerms> terms =
        result == LineReader::Result::kTooLong
            ? Error(StatusCode::kResourceExhausted, "body_too_large",
                    "the line is longer than " + std::to_string(server::kMaxOrderBodyBytes) +
                        " bytes")
            : server::ParseOrderTerms(text, std::nullopt);
    if (!terms.ok()) {
      ENTREPOT_RETURN_IF_ERROR(importer.Refuse(line, "", terms.status()));
    } else if (Status first = importer.FirstAppearance(terms->id, line); !first.ok()) {
      ENTREPOT_RETURN_IF_ERROR(importer.Refuse(line, terms->id, std::move(first)));
    } else {
      ENTREPOT_RETURN_IF_ERROR(importer.Submit(line, *std::move(terms)));
    }
  }
  return OkStatus();
}

// --- CSV: order_id,carrier,cutoff,priority,gtin,quantity; one row per line of an order ------

// An order being read from its consecutive rows.
struct PendingOrder {
  size_t line = 0;  // Its first row.
  core::OrderTerms terms;
  std::string carrier, cutoff, priority;           // As written in the first row.
  std::optional<std::pair<size_t, Status>> error;  // The first row that refuses it.
};

StatusOr<int64_t> ParseInteger(const std::string& text, std::string_view name, int64_t low,
                               int64_t high) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < low ||
      value > high) {
    return server::BadField(
        name, "an integer from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

// Adds the row's line to `order`; its carrier, cutoff and priority must repeat the first
// row's or be empty.
Status AddRow(PendingOrder& order, const std::vector<std::string>& fields) {
  if (fields.size() != kCsvColumns) {
    return Invalid("bad_row", "the row has " + std::to_string(fields.size()) +
                                  " fields; the header has " + std::to_string(kCsvColumns));
  }
  if ((!fields[1].empty() && fields[1] != order.carrier) ||
      (!fields[2].empty() && fields[2] != order.cutoff) ||
      (!fields[3].empty() && fields[3] != order.priority)) {
    return Invalid("conflicting_terms",
                   "the rows of one order must have the same carrier, cutoff and priority "
                   "(or leave them empty after the first row)");
  }
  if (order.terms.lines.size() >= core::kMaxOrderLines) {
    return Invalid("too_many_lines", "at most " + std::to_string(core::kMaxOrderLines) +
                                         " lines are accepted; split it");
  }
  core::OrderLineRequest line;
  ENTREPOT_ASSIGN_OR_RETURN(line.gtin, core::NormalizeProductGtin(fields[4]));
  // Core bounds the quantity ("bad_quantity"); here only its form.
  ENTREPOT_ASSIGN_OR_RETURN(line.quantity,
                            ParseInteger(fields[5], "quantity", std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max()));
  order.terms.lines.push_back(std::move(line));
  return OkStatus();
}

// The order whose first row is `fields`, with that row's line.
PendingOrder StartOrder(size_t line, const std::vector<std::string>& fields) {
  PendingOrder order;
  order.line = line;
  order.terms.id = fields[0];
  auto refuse = [&](Status status) {
    if (!order.error) {
      order.error.emplace(line, std::move(status));
    }
  };
  if (fields.size() != kCsvColumns) {
    refuse(Invalid("bad_row", "the row has " + std::to_string(fields.size()) +
                                  " fields; the header has " + std::to_string(kCsvColumns)));
    return order;
  }
  order.carrier = fields[1];
  order.cutoff = fields[2];
  order.priority = fields[3];
  order.terms.carrier = fields[1];
  StatusOr<int64_t> cutoff = wire::ParseRfc3339Ms(fields[2]);
  StatusOr<int64_t> priority =
      fields[3].empty() ? StatusOr<int64_t>(0)
                        : ParseInteger(fields[3], "priority", 0, core::kMaxOrderPriority);
  if (!cutoff.ok()) {
    refuse(cutoff.status());
  } else if (!priority.ok()) {
    refuse(priority.status());
  } else {
    order.terms.cutoff_ms = *cutoff;
    order.terms.priority = static_cast<int32_t>(*priority);
  }
  if (Status added = AddRow(order, fields); !added.ok()) {
    refuse(std::move(added));
  }
  return order;
}

class CsvImport {
 public:
  explicit CsvImport(OrderImporter& importer) : importer_(importer) {}

  // One readable, non-empty row at `line`.
  Status Row(size_t line, const std::vector<std::string>& fields) {
    if (pending_ && pending_->terms.id == fields[0]) {
      if (!pending_->error) {
        if (Status added = AddRow(*pending_, fields); !added.ok()) {
          pending_->error.emplace(line, std::move(added));
        }
      }
      unreadable_line_ = 0;
      return OkStatus();
    }
    ENTREPOT_RETURN_IF_ERROR(Finish());
    if (!importer_.Admit(line)) {
      stopped_ = true;
      return OkStatus();
    }
    pending_ = StartOrder(line, fields);
    if (Status first = importer_.FirstAppearance(fields[0], line); !first.ok()) {
      pending_->error.emplace(line, std::move(first));
    }
    Poison();
    unreadable_line_ = 0;
    return OkStatus();
  }

  // A row that could not be split: the order before it and the one after it may have lost
  // a line, so neither is placed.
  Status Unreadable(size_t line, Status status) {
    unreadable_line_ = line;
    Poison();
    return importer_.Unreadable(line, std::move(status));
  }

  // Places (or refuses) the order being read.
  Status Finish() {
    if (!pending_) {
      return OkStatus();
    }
    PendingOrder order = *std::move(pending_);
    pending_.reset();
    if (order.error) {
      return importer_.Refuse(order.error->first, order.terms.id, std::move(order.error->second));
    }
    return importer_.Submit(order.line, std::move(order.terms));
  }

  bool stopped() const { return stopped_; }

 private:
  void Poison() {
    if (pending_ && unreadable_line_ != 0 && !pending_->error) {
      pending_->error.emplace(
          pending_->line,
          Invalid("incomplete_order", "line " + std::to_string(unreadable_line_) +
                                          " could not be read and may be one of its lines"));
    }
  }

  OrderImporter& importer_;
  std::optional<PendingOrder> pending_;
  size_t unreadable_line_ = 0;  // An unreadable row not yet followed by a readable one.
  bool stopped_ = false;
};

// Returns the error that stops the import: a bad header (exit 2) or a store failure.
Status ImportCsv(std::istream& in, OrderImporter& importer) {
  CsvReader reader(in);
  std::vector<std::string> fields;
  StatusOr<bool> header = reader.Next(fields);
  std::string joined;
  for (const std::string& field : fields) {
    joined += (joined.empty() ? "" : ",") + field;
  }
  if (!header.ok() || !*header || joined != kCsvHeader) {
    return Invalid("bad_header", "the first line must be the header " + std::string(kCsvHeader));
  }
  CsvImport import(importer);
  for (;;) {
    StatusOr<bool> next = reader.Next(fields);
    if (!next.ok()) {
      ENTREPOT_RETURN_IF_ERROR(import.Unreadable(reader.line_number(), next.status()));
      continue;
    }
    if (!*next) {
      break;
    }
    if (fields.empty()) {
      continue;  // Empty lines may separate orders.
    }
    ENTREPOT_RETURN_IF_ERROR(import.Row(reader.line_number(), fields));
    if (import.stopped()) {
      return OkStatus();
    }
  }
  return import.Finish();
}

// Reads the file in `format` ("ndjson" or "csv") and imports its orders, the last group
// included. Returns the error that stops the import (see ImportCsv).
Status ImportFile(std::istream& in, const std::string& format, OrderImporter& importer) {
  ENTREPOT_RETURN_IF_ERROR(format == "csv" ? ImportCsv(in, importer) : ImportNdjson(in, importer));
  return importer.Flush();
}

// "ndjson" or "csv": the option, or from the file's extension.
StatusOr<std::string> ImportFormat(const OrdersImportOptions& options) {
  if (!options.format.empty()) {
    return options.format;
  }
  std::string extension = std::filesystem::path(options.input_file).extension().string();
  if (extension == ".ndjson" || extension == ".jsonl") {
    return std::string("ndjson");
  }
  if (extension == ".csv") {
    return std::string("csv");
  }
  return Invalid("unknown_format", "cannot tell the format of " + options.input_file +
                                       " from its extension; give --format ndjson or csv");
}

void PrintSummary(const ImportTally& tally) {
  std::cout << "orders imported: " << tally.placed + tally.amended << "\n  placed: " << tally.placed
            << "\n  amended: " << tally.amended << "\n  refused: " << tally.refused
            << "\n  units reserved: " << tally.reserved << "\n  units short: " << tally.shorted
            << "\n";
  if (tally.unreadable > 0) {
    std::cout << "  unreadable rows: " << tally.unreadable << "\n";
  }
}

}  // namespace

int RunOrdersImport(const OrdersImportOptions& options) {
  StatusOr<std::string> format = ImportFormat(options);
  if (!format.ok()) {
    return ReportError(format.status());
  }
  std::error_code error;
  uint64_t size = std::filesystem::file_size(options.input_file, error);
  std::ifstream file(options.input_file, std::ios::binary);
  if (error || !file) {
    return ReportError(
        Error(StatusCode::kNotFound, "file_not_found", "cannot read " + options.input_file));
  }
  if (size > kMaxImportFileBytes) {
    return ReportError(Error(StatusCode::kResourceExhausted, "file_too_large",
                             options.input_file + " has more than " +
                                 std::to_string(kMaxImportFileBytes) + " bytes; split it"));
  }
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      OpenSite({options.data_dir, options.store, options.site}, OpenMode::kExisting);
  if (!engine.ok()) {
    return ReportSiteError(engine.status());
  }
  OrderImporter importer(**engine, options.amend);
  Status status = ImportFile(file, *format, importer);
  const ImportTally& tally = importer.tally();
  // A file refused as a whole (bad_header) imported nothing to sum up.
  if (status.ok() || tally.placed + tally.amended + tally.refused + tally.unreadable > 0) {
    PrintSummary(tally);
  }
  if (!status.ok()) {
    return ReportError(status);
  }
  return tally.refused == 0 && tally.unreadable == 0 ? 0 : 1;
}

}  // namespace entrepot::cli
