// File: http_load.cc
//
// http_load: an HTTP/1.1 load generator for POST /api/v1/scans and /api/v1/scans/batch, on
// Boost.Asio/Beast. Each keep-alive connection is one simulated handheld with its own
// device token, sending the scans of a realistic floor cycle in order (receive at a dock,
// units into a tote, stow them unit by unit into bins, pick them back into another tote,
// pack them into a parcel, ship it at a door), so the server's engine does real work and
// the site's stock stays level however long the run. Any HTTP server can be measured with
// the same requests: tools/bench_http.sh runs it against `entrepot serve` and against
// nginx returning a fixed 200, the machine's HTTP ceiling.
//
//   http_load --port P --devices FILE --layout examples/fc-lyon/layout.toml
//             [--mode closed|open|batch] [--connections N] [--rate R] [--batch-scans B]
//             [--runs K] [--warmup S] [--duration S] [--threads T] [--process P] [--label L]
//
// Modes:
//   closed  every connection sends its next request when the previous answer arrives: the
//           maximum throughput at N requests in flight.
//   open    requests are due at a fixed total rate R (connection c sends its j-th request at
//           start + (j*N + c)/R); latency counts from the due time, so a slow answer delays
//           the requests queued behind it and is not hidden (no coordinated omission).
//   batch   closed loop of NDJSON bodies of B scans to /api/v1/scans/batch.
// Each of K runs warms up for S seconds, then measures for S seconds: responses completed
// in the window, their latency percentiles, the share of scans whose outcome is "ok" and
// non-200 responses. The last line is the medians over the runs, as key=value pairs:
//   RESULT label=... mode=... requests_per_s=... scans_per_s=... p50_ms=... p99_ms=... ...
//
// FILE has one device per line, "NAME TOKEN" (from `entrepot device add`); there must be at
// least N (N <= 1000). Scan ids, parcel numbers and scan times are unique per --process
// index (0-99), so several invocations can drive one site; after the last window every connection
// finishes its current floor cycle (unmeasured), so the next invocation starts from clean devices.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"

namespace entrepot::bench {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

enum class Mode { kClosed, kOpen, kBatch };

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string devices_file;
  std::string layout_file;
  Mode mode = Mode::kClosed;
  size_t connections = 64;
  double rate = 10'000;  // Requests per second, open mode.
  size_t batch_scans = 1000;
  int runs = 5;
  double warmup_s = 1;
  double duration_s = 4;
  size_t threads = 1;
  int process = 0;
  std::string label = "http";
};

struct Device {
  std::string name;
  std::string token;
};

// ---------------------------------------------------------------------------------------
// The floor: one handheld's scans, a cycle at a time.

constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr int64_t kShiftStartMs = 1'795'852'800'000;  // 2026-11-28T06:00:00Z.
constexpr int64_t kScanGapMs = 2'000;                 // Above the stow-too-fast threshold.
constexpr int kUnitsPerCycle = 5;
// Connections (devices) at most: each has two of the site's 3,000 totes, and 3 digits of
// the parcel serial.
constexpr size_t kMaxConnections = 1000;

// An internal label with its ISO/IEC 7064 MOD 37,36 check character (docs/LABELS.md).
std::string Label(char kind, const std::string& code) {
  int product = 36;
  std::string text = std::string(1, kind) + code;
  for (char c : text) {
    if (c == '-') {
      continue;
    }
    int value = static_cast<int>(std::string_view(kAlphabet).find(c));
    int total = (product + value) % 36;
    product = ((total == 0 ? 36 : total) * 2) % 37;
  }
  return std::string(1, kind) + "." + code + "." + kAlphabet[(37 - product) % 36];
}

char Mod10(const std::string& digits) {
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    sum += (digits[digits.size() - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string Padded(uint64_t value, int width) {
  std::string text = std::to_string(value);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(text.size()))), '0') +
         text;
}

class Floor {
 public:
  Floor(size_t index, std::string device, const std::vector<std::string>& gtins, int process)
      : index_(index),
        device_(std::move(device)),
        gtins_(gtins),
        id_prefix_("p" + std::to_string(process) + "-" + device_ + "-"),
        clock_ms_(kShiftStartMs + int64_t{process} * 1'000'000'000),
        parcel_base_(static_cast<uint64_t>(process) * 10'000'000 + index * 10'000) {}

  // The next scan record, as a JSON line without the newline.
  std::string Next() {
    if (next_ == cycle_.size()) {
      PlanCycle();
    }
    const auto& [mode, code] = cycle_[next_++];
    clock_ms_ += kScanGapMs;
    return R"({"id":")" + id_prefix_ + Padded(scans_++, 7) + R"(","device":")" + device_ +
           R"(","mode":")" + mode + R"(","code":")" + code + R"(","at":)" +
           std::to_string(clock_ms_) + "}";
  }
  // True between cycles: stopping here leaves the device and its totes empty.
  bool AtCycleEnd() const { return next_ == cycle_.size(); }
  size_t LeftInCycle() const { return cycle_.size() - next_; }

 private:
  void Add(const char* mode, std::string code) { cycle_.emplace_back(mode, std::move(code)); }

  std::string Bin(size_t unit) const {
    // Zone A: 12 aisles x 40 bays x 6 levels x 2 positions; a device keeps to its own bays.
    size_t aisle = index_ % 12 + 1, bay = (index_ / 12 * kUnitsPerCycle + unit) % 40 + 1;
    size_t level = cycles_ % 6 + 1, position = index_ / 240 % 2 + 1;
    return "A-" + Padded(aisle, 2) + "-" + Padded(bay, 3) + "-" + std::to_string(level) + "-" +
           std::to_string(position);
  }

  // Plain GS1-128 GTINs and GS1 DataMatrix units with expiry and lot, as the floor sees.
  std::string Unit(size_t unit) const {
    const std::string& gtin = gtins_[(index_ * 7919 + cycles_ * 31 + unit * 577) % gtins_.size()];
    if (unit % 2 == 0) {
      return "(01)" + gtin;
    }
    return "]d201" + gtin + "17271231" + "10L" + Padded((cycles_ + unit) % 1000, 3);
  }

  void PlanCycle() {
    cycle_.clear();
    next_ = 0;
    ++cycles_;
    std::string inbound = Label('C', "T" + Padded(index_ * 2 + 1, 5));
    std::string outbound = Label('C', "T" + Padded(index_ * 2 + 2, 5));
    std::vector<std::string> units, bins;
    for (size_t i = 0; i < kUnitsPerCycle; ++i) {
      units.push_back(Unit(i));
      bins.push_back(Label('L', Bin(i)));
    }
    // Serial process.index.cycle in 2 + 3 + 4 digits: unique per invocation while a device
    // makes fewer than 10,000 cycles (380,000 scans).
    std::string parcel = "09506000" + Padded(parcel_base_ + cycles_ % 10'000, 9);
    parcel = "(00)" + parcel + Mod10(parcel);
    Add("receive", Label('L', "DOCK-" + Padded(index_ % 16 + 1, 2)));
    Add("receive", inbound);
    for (const std::string& unit : units) {
      Add("receive", unit);
    }
    Add("stow", inbound);
    for (size_t i = 0; i < kUnitsPerCycle; ++i) {
      Add("stow", units[i]);
      Add("stow", bins[i]);
    }
    Add("pick", outbound);
    for (size_t i = 0; i < kUnitsPerCycle; ++i) {
      Add("pick", bins[i]);
      Add("pick", units[i]);
    }
    Add("pack", outbound);
    for (const std::string& unit : units) {
      Add("pack", unit);
    }
    Add("pack", parcel);
    Add("ship", Label('L', "DOOR-" + Padded(index_ % 24 + 1, 2)));
    Add("ship", parcel);
  }

  size_t index_;
  std::string device_;
  const std::vector<std::string>& gtins_;
  std::string id_prefix_;
  int64_t clock_ms_;
  uint64_t parcel_base_;
  uint64_t scans_ = 0;
  size_t cycles_ = 0;
  std::vector<std::pair<const char*, std::string>> cycle_;
  size_t next_ = 0;
};

// ---------------------------------------------------------------------------------------
// One measured run.

struct Window {
  Clock::time_point start;  // Requests are due from here (open mode).
  Clock::time_point measure_from;
  Clock::time_point measure_to;
};

struct Tally {
  uint64_t responses = 0;  // Completed within the window.
  uint64_t scans = 0;      // Scans in those responses.
  uint64_t ok_scans = 0;   // Of which the outcome is "ok".
  uint64_t errors = 0;     // Non-200 responses and I/O errors (anywhere in the run).
  std::vector<double> latency_ms;
  std::string first_error;
  std::string first_refusal;  // The first reply line whose outcome is not "ok".

  void Merge(const Tally& other) {
    responses += other.responses;
    scans += other.scans;
    ok_scans += other.ok_scans;
    errors += other.errors;
    latency_ms.insert(latency_ms.end(), other.latency_ms.begin(), other.latency_ms.end());
    if (first_error.empty()) {
      first_error = other.first_error;
    }
    if (first_refusal.empty()) {
      first_refusal = other.first_refusal;
    }
  }
};

size_t Count(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

constexpr std::string_view kOk = R"("outcome":"ok")";

// The first line of `text` that does not contain `needle`.
std::string FirstLineWithout(std::string_view text, std::string_view needle) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.find(needle) == std::string_view::npos) {
      return std::string(line);
    }
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return "";
}

class Connection {
 public:
  Connection(net::io_context& context, const Options& options, const Window& window,
             const Device& device, Floor& floor, size_t index, Tally& tally)
      : options_(options),
        window_(window),
        floor_(floor),
        index_(index),
        tally_(tally),
        socket_(context),
        timer_(context) {
    const char* path = options.mode == Mode::kBatch ? "/api/v1/scans/batch" : "/api/v1/scans";
    const char* type = options.mode == Mode::kBatch ? "application/x-ndjson" : "application/json";
    head_ = std::string("POST ") + path + " HTTP/1.1\r\nHost: " + options.host +
            "\r\nAuthorization: Bearer " + device.token + "\r\nContent-Type: " + type +
            "\r\nContent-Length: ";
  }

  void Start(const tcp::endpoint& endpoint) {
    socket_.async_connect(endpoint, [this](boost::system::error_code error) {
      if (error) {
        Fail("connect: " + error.message());
        return;
      }
      socket_.set_option(tcp::no_delay(true));
      Next();
    });
  }

 private:
  void Next() {
    Clock::time_point now = Clock::now();
    if (now >= window_.measure_to) {
      if (floor_.AtCycleEnd()) {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        return;
      }
      // Drain: finish the cycle, unmeasured.
      Send(now, options_.mode == Mode::kBatch ? floor_.LeftInCycle() : 1);
      return;
    }
    if (options_.mode != Mode::kOpen) {
      Send(now, options_.mode == Mode::kBatch ? options_.batch_scans : 1);
      return;
    }
    double slot = static_cast<double>(sent_ * options_.connections + index_) / options_.rate;
    Clock::time_point due = window_.start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(slot));
    if (due <= now) {
      Send(due, 1);
      return;
    }
    timer_.expires_at(due);
    timer_.async_wait([this, due](boost::system::error_code error) {
      if (!error) {
        Send(due, 1);
      }
    });
  }

  void Send(Clock::time_point due, size_t scans) {
    body_.clear();
    for (size_t i = 0; i < scans; ++i) {
      body_ += floor_.Next();
      body_ += '\n';
    }
    if (options_.mode != Mode::kBatch) {
      body_.pop_back();
    }
    request_ = head_ + std::to_string(body_.size()) + "\r\n\r\n" + body_;
    due_ = due;
    scans_in_flight_ = scans;
    ++sent_;
    net::async_write(socket_, net::buffer(request_),
                     [this](boost::system::error_code error, size_t) {
                       if (error) {
                         Fail("write: " + error.message());
                         return;
                       }
                       Read();
                     });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(64 << 20);
    http::async_read(socket_, buffer_, *parser_, [this](boost::system::error_code error, size_t) {
      if (error) {
        Fail("read: " + error.message());
        return;
      }
      Record(parser_->get());
      Next();
    });
  }

  void Record(const http::response<http::string_body>& response) {
    Clock::time_point now = Clock::now();
    if (response.result_int() != 200) {
      ++tally_.errors;
      if (tally_.first_error.empty()) {
        tally_.first_error = std::to_string(response.result_int()) + " " + response.body();
      }
    }
    if (now < window_.measure_from || now > window_.measure_to) {
      return;
    }
    ++tally_.responses;
    tally_.scans += scans_in_flight_;
    size_t ok = Count(response.body(), kOk);
    tally_.ok_scans += ok;
    if (ok < scans_in_flight_ && tally_.first_refusal.empty()) {
      tally_.first_refusal = FirstLineWithout(response.body(), kOk);
    }
    tally_.latency_ms.push_back(std::chrono::duration<double, std::milli>(now - due_).count());
  }

  void Fail(const std::string& what) {
    ++tally_.errors;
    if (tally_.first_error.empty()) {
      tally_.first_error = what;
    }
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  const Options& options_;
  const Window& window_;
  Floor& floor_;
  size_t index_;
  Tally& tally_;
  tcp::socket socket_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string head_, body_, request_;
  Clock::time_point due_;
  size_t scans_in_flight_ = 0;
  uint64_t sent_ = 0;
};

struct RunResult {
  double requests_per_s = 0;
  double scans_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double ok_percent = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::string first_refusal;
};

double Percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) {
    return 0;
  }
  size_t rank = std::min(values.size() - 1,
                         static_cast<size_t>(fraction * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return values[rank];
}

// Connections are split over options.threads threads, each with its own io_context.
RunResult RunOnce(const Options& options, const tcp::endpoint& endpoint,
                  const std::vector<Device>& devices, std::vector<Floor>& floors) {
  auto window = std::make_unique<Window>();
  window->start = Clock::now() + std::chrono::milliseconds(50);  // Time to connect.
  window->measure_from = window->start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.warmup_s));
  window->measure_to =
      window->measure_from + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.duration_s));
  std::vector<Tally> tallies(options.threads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      net::io_context context(1);
      std::vector<std::unique_ptr<Connection>> connections;
      for (size_t c = t; c < options.connections; c += options.threads) {
        connections.push_back(std::make_unique<Connection>(context, options, *window, devices[c],
                                                           floors[c], c, tallies[t]));
        connections.back()->Start(endpoint);
      }
      context.run();
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  Tally total;
  for (const Tally& tally : tallies) {
    total.Merge(tally);
  }
  RunResult result;
  result.requests_per_s = static_cast<double>(total.responses) / options.duration_s;
  result.scans_per_s = static_cast<double>(total.scans) / options.duration_s;
  result.p50_ms = Percentile(total.latency_ms, 0.50);
  result.p99_ms = Percentile(total.latency_ms, 0.99);
  result.ok_percent = total.scans == 0 ? 0
                                       : 100.0 * static_cast<double>(total.ok_scans) /
                                             static_cast<double>(total.scans);
  result.errors = total.errors;
  result.first_error = total.first_error;
  result.first_refusal = total.first_refusal;
  return result;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// ---------------------------------------------------------------------------------------
// Command line.

const char* ModeName(Mode mode) {
  return mode == Mode::kClosed ? "closed" : mode == Mode::kOpen ? "open" : "batch";
}

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "http_load: " << problem << "\n"
            << "usage: http_load --port P --devices FILE --layout LAYOUT.toml [--host H]\n"
            << "  [--mode closed|open|batch] [--connections N] [--rate R] [--batch-scans B]\n"
            << "  [--runs K] [--warmup S] [--duration S] [--threads T] [--process P] [--label L]\n";
  std::exit(2);
}

template <typename T>
T Number(const std::string& flag, const std::string& text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    Usage(flag + ": not a number: " + text);
  }
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      Usage(flag + " needs a value");
    }
    std::string value = argv[++i];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      options.port = Number<uint16_t>(flag, value);
    } else if (flag == "--devices") {
      options.devices_file = value;
    } else if (flag == "--layout") {
      options.layout_file = value;
    } else if (flag == "--connections") {
      options.connections = Number<size_t>(flag, value);
    } else if (flag == "--rate") {
      options.rate = Number<double>(flag, value);
    } else if (flag == "--batch-scans") {
      options.batch_scans = Number<size_t>(flag, value);
    } else if (flag == "--runs") {
      options.runs = Number<int>(flag, value);
    } else if (flag == "--warmup") {
      options.warmup_s = Number<double>(flag, value);
    } else if (flag == "--duration") {
      options.duration_s = Number<double>(flag, value);
    } else if (flag == "--threads") {
      options.threads = Number<size_t>(flag, value);
    } else if (flag == "--process") {
      options.process = Number<int>(flag, value);
    } else if (flag == "--label") {
      options.label = value;
    } else if (flag == "--mode") {
      if (value == "closed") {
        options.mode = Mode::kClosed;
      } else if (value == "open") {
        options.mode = Mode::kOpen;
      } else if (value == "batch") {
        options.mode = Mode::kBatch;
      } else {
        Usage("--mode is closed, open or batch");
      }
    } else {
      Usage("unknown flag " + flag);
    }
  }
  if (options.devices_file.empty() || options.layout_file.empty()) {
    Usage("--devices and --layout are required");
  }
  if (options.connections < 1 || options.threads < 1 || options.threads > options.connections ||
      options.runs < 1 || options.duration_s <= 0 || options.warmup_s < 0 || options.rate <= 0 ||
      options.batch_scans < 1 || options.process < 0 || options.process > 99 ||
      options.connections > kMaxConnections) {
    Usage("a value is out of range");
  }
  return options;
}

std::vector<Device> ReadDevices(const Options& options) {
  std::ifstream in(options.devices_file);
  std::vector<Device> devices;
  Device device;
  while (in >> device.name >> device.token)
    devices.push_back(device);
  if (devices.size() < options.connections) {
    Usage(options.devices_file + " has " + std::to_string(devices.size()) +
          " devices, fewer than --connections");
  }
  return devices;
}

// The GTINs of the layout's products ("gtin = \"...\"" lines), as 14 digits.
std::vector<std::string> ReadGtins(const std::string& layout_file) {
  std::ifstream in(layout_file);
  std::vector<std::string> gtins;
  constexpr std::string_view kKey = "gtin = \"";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kKey, 0) == 0 && line.size() > kKey.size() + 1) {
      std::string gtin = line.substr(kKey.size(), line.size() - kKey.size() - 1);
      gtins.push_back(std::string(14 - std::min<size_t>(14, gtin.size()), '0') + gtin);
    }
  }
  if (gtins.empty()) {
    Usage(layout_file + " lists no products");
  }
  return gtins;
}

int Main(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  std::vector<Device> devices = ReadDevices(options);
  std::vector<std::string> gtins = ReadGtins(options.layout_file);
  std::vector<Floor> floors;
  for (size_t c = 0; c < options.connections; ++c) {
    floors.emplace_back(c, devices[c].name, gtins, options.process);
  }
  boost::system::error_code error;
  tcp::endpoint endpoint(net::ip::make_address(options.host, error), options.port);
  if (error) {
    Usage("--host must be an IP address");
  }
  std::printf("%s: %s mode, %zu connections, %zu client thread(s)", options.label.c_str(),
              ModeName(options.mode), options.connections, options.threads);
  if (options.mode == Mode::kOpen) {
    std::printf(", %.0f requests/s due", options.rate);
  }
  if (options.mode == Mode::kBatch) {
    std::printf(", %zu scans per request", options.batch_scans);
  }
  std::printf(", %d runs of %.1f s after %.1f s warm-up\n", options.runs, options.duration_s,
              options.warmup_s);
  std::vector<double> rps, sps, p50, p99, ok;
  uint64_t errors = 0;
  for (int run = 1; run <= options.runs; ++run) {
    RunResult result = RunOnce(options, endpoint, devices, floors);
    std::printf(
        "  run %d: %9.0f requests/s %10.0f scans/s  p50 %7.3f ms  p99 %7.3f ms  ok %5.1f%%  errors "
        "%llu\n",
        run, result.requests_per_s, result.scans_per_s, result.p50_ms, result.p99_ms,
        result.ok_percent, static_cast<unsigned long long>(result.errors));
    if (!result.first_error.empty()) {
      std::printf("    first error: %.300s\n", result.first_error.c_str());
    }
    if (!result.first_refusal.empty()) {
      std::printf("    first reply not ok: %.300s\n", result.first_refusal.c_str());
    }
    rps.push_back(result.requests_per_s);
    sps.push_back(result.scans_per_s);
    p50.push_back(result.p50_ms);
    p99.push_back(result.p99_ms);
    ok.push_back(result.ok_percent);
    errors += result.errors;
  }
  std::printf(
      "RESULT label=%s mode=%s connections=%zu requests_per_s=%.0f scans_per_s=%.0f p50_ms=%.3f "
      "p99_ms=%.3f ok_percent=%.1f errors=%llu\n",
      options.label.c_str(), ModeName(options.mode), options.connections, Median(rps), Median(sps),
      Median(p50), Median(p99), Median(ok), static_cast<unsigned long long>(errors));
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) { return entrepot::bench::Main(argc, argv); }
