// `entrepot demo` as a person runs it: a shift against the real server, a second run that
// resumes the site, --fresh, and Ctrl-C.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "test_site.h"

namespace entrepot {
namespace {

using testing::RunEntrepot;

// A small floor for `minutes`, at `speed` (0: as fast as the server answers).
std::string Scenario(int minutes, int speed) {
  return "seed = 5\nminutes = " + std::to_string(minutes) + "\nspeed = " + std::to_string(speed) +
         R"(
[staff]
receive = 1
stow = 2
pick = 2
pack = 1
ship = 1
[inbound]
trucks = 2
pallets_per_truck = 2
products_per_pallet = 2
units_per_product = 4
[orders]
per_hour = 120
)";
}

class DemoTest : public ::testing::Test {
 protected:
  DemoTest() {
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
    testing::WriteFile(dir_.File("scenario.toml"), Scenario(20, 0));
  }
  std::vector<std::string> Args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"demo",
                                     "--data",
                                     Data(),
                                     "--layout",
                                     dir_.File("layout.toml"),
                                     "--scenario",
                                     dir_.File("scenario.toml"),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--connections",
                                     "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string Data() const { return dir_.File("demo"); }

  testing::TempDir dir_;
};

TEST_F(DemoTest, RunsAShiftThroughTheServerThenResumesWithTheNext) {
  testing::CommandResult first = RunEntrepot(Args({"--once"}));
  ASSERT_EQ(first.exit_status, 0) << first.out;
  EXPECT_NE(first.out.find("created site FR-TST1"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("shift 1:"), std::string::npos);
  EXPECT_NE(first.out.find("/api/v1/events"), std::string::npos);
  for (const char* login : {"demo-admin", "demo-site-manager", "demo-supervisor", "demo-hr",
                            "demo-dpo", "demo-worker"}) {
    EXPECT_NE(first.out.find(login), std::string::npos) << login;
  }
  EXPECT_NE(first.out.find("Shift over"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("surprises 0"), std::string::npos) << first.out;

  // The passwords are kept for the next run, readable by their owner only.
  struct stat accounts {};
  ASSERT_EQ(stat((Data() + "/demo-accounts.txt").c_str(), &accounts), 0);
  EXPECT_EQ(accounts.st_mode & 0777, 0600u);

  testing::CommandResult second = RunEntrepot(Args({"--once"}));
  ASSERT_EQ(second.exit_status, 0) << second.out;
  EXPECT_EQ(second.out.find("created site"), std::string::npos);
  EXPECT_NE(second.out.find("shift 2:"), std::string::npos);
  EXPECT_NE(second.out.find("surprises 0"), std::string::npos) << second.out;
  EXPECT_EQ(RunEntrepot({"verify", "--data", Data()}).exit_status, 0);

  testing::CommandResult fresh = RunEntrepot(Args({"--once", "--fresh"}));
  ASSERT_EQ(fresh.exit_status, 0) << fresh.out;
  EXPECT_NE(fresh.out.find("created site FR-TST1"), std::string::npos);
  EXPECT_NE(fresh.out.find("shift 1:"), std::string::npos);
}

TEST_F(DemoTest, PrintsTheAddressesOfTheWebPagesItServes) {
  std::filesystem::create_directories(dir_.File("web"));
  testing::WriteFile(dir_.File("web/index.html"), "<!doctype html><title>pages</title>");
  testing::CommandResult run = RunEntrepot(Args({"--once", "--web", dir_.File("web")}));
  ASSERT_EQ(run.exit_status, 0) << run.out;
  for (const char* page :
       {"live floor     http://127.0.0.1:", "/#/floor", "/#/dashboards", "/#/scanner"}) {
    EXPECT_NE(run.out.find(page), std::string::npos) << page << " in\n" << run.out;
  }
  testing::CommandResult missing =
      RunEntrepot(Args({"--once", "--web", dir_.File("no-pages-here")}));
  EXPECT_EQ(missing.exit_status, 1) << missing.out;
  EXPECT_NE(missing.out.find("web_not_found"), std::string::npos) << missing.out;
}

TEST_F(DemoTest, FreshRefusesToDeleteWhatIsNotASite) {
  mkdir(Data().c_str(), 0700);
  testing::WriteFile(Data() + "/thesis.tex", "\\documentclass{article}");
  testing::CommandResult run = RunEntrepot(Args({"--once", "--fresh"}));
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.out.find("not_a_site"), std::string::npos) << run.out;
  EXPECT_EQ(testing::ReadFileText(Data() + "/thesis.tex"), "\\documentclass{article}");
}

TEST_F(DemoTest, BadScenarioIsRefusedWithItsKey) {
  testing::WriteFile(dir_.File("scenario.toml"), "[staff]\npickers = 3\n");
  testing::CommandResult run = RunEntrepot(Args({"--once"}));
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_NE(run.out.find("staff.pickers"), std::string::npos) << run.out;
}

// Ctrl-C mid-shift: the shift stops, the server commits what is queued, and the journal
// checks out.
TEST_F(DemoTest, CtrlCStopsTheShiftAndTheServerCleanly) {
  testing::WriteFile(dir_.File("scenario.toml"), Scenario(600, 30));
  std::string log = dir_.File("demo.log");
  std::vector<std::string> args = Args();
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    std::vector<char*> argv = {const_cast<char*>(ENTREPOT_BINARY)};
    for (std::string& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(ENTREPOT_BINARY, argv.data());
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  // Until the shift has made some scans.
  int status = 0;
  for (int i = 0; i < 300 && testing::ReadFileText(log).find(" scans ") == std::string::npos; ++i) {
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << testing::ReadFileText(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(testing::ReadFileText(log).find(" scans "), std::string::npos)
      << testing::ReadFileText(log);
  kill(pid, SIGINT);
  waitpid(pid, &status, 0);
  std::string out = testing::ReadFileText(log);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("Shift stopped"), std::string::npos) << out;
  EXPECT_NE(out.find("stopped at seq"), std::string::npos) << out;
  EXPECT_EQ(RunEntrepot({"verify", "--data", Data()}).exit_status, 0);
}

}  // namespace
}  // namespace entrepot
