// `spindle run` of WASI 0.2 command components: a clang-19 C program run as
// the core module and as the component `jco new --wasi-command` makes of it
// gives the same stdout, stderr, exit status and file effects, with the same
// --dir / --dir-ro / --env / argument flags; escapes fail in both.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "process.h"

namespace {

namespace fs = std::filesystem;
using spindle::test::run_spindle;
using spindle::test::slurp;

const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

// Prints to both streams, reads env and args, lists and reads the read-only
// mount /in, writes /out/result.txt, and exits with argv[1].
constexpr const char* kProgram = R"C(#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) printf("arg %d: %s\n", i, argv[i]);
  printf("GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
  fprintf(stderr, "a line on stderr\n");
  DIR* d = opendir("/in");
  if (!d) { printf("opendir /in: %s\n", strerror(errno)); return 2; }
  struct dirent* e;
  while ((e = readdir(d))) printf("entry %s\n", e->d_name);
  closedir(d);
  FILE* f = fopen("/in/hello.txt", "r");
  char buf[128] = {0};
  if (f) { fread(buf, 1, sizeof buf - 1, f); fclose(f); }
  printf("hello.txt: %s", buf);
  FILE* w = fopen("/in/nope.txt", "w");
  printf("write /in: %s\n", w ? "ok" : strerror(errno));
  w = fopen("/out/result.txt", "w");
  if (!w) { printf("write /out: %s\n", strerror(errno)); return 2; }
  fprintf(w, "from %s: %s", argv[0][0] ? "guest" : "?", buf);
  fclose(w);
  fprintf(stderr, "exiting with %s\n", argc > 1 ? argv[1] : "0");
  return argc > 1 ? atoi(argv[1]) : 0;
}
)C";

// Tries to leave the mount: `..`, an absolute symlink, a climbing symlink.
constexpr const char* kEscape = R"C(#include <stdio.h>
static void try_open(const char* p) {
  FILE* f = fopen(p, "r");
  printf("%s: %s\n", p, f ? "OPENED" : "denied");
  if (f) fclose(f);
}
int main(void) {
  try_open("/in/hello.txt");
  try_open("/in/../secret.txt");
  try_open("/in/../../../../etc/passwd");
  try_open("/in/etc/passwd");
  try_open("/in/up/secret.txt");
  return 0;
}
)C";

// The same from C++ (libc++ iostreams).
constexpr const char* kCppProgram = R"C(#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>
int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::sort(args.begin(), args.end());
  for (const auto& a : args) std::cout << a << "\n";
  char buf[64] = {0};
  if (FILE* f = std::fopen("/in/hello.txt", "r")) {
    std::fgets(buf, sizeof buf, f);
    std::fclose(f);
  }
  std::cout << "line: " << buf << std::flush;
  std::cerr << "done" << std::endl;
  return 0;
}
)C";

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

class RunComponent : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(kJco)) GTEST_SKIP() << "jco is not installed (run scripts/setup)";
    dir_ = spindle::test::temp_dir("run_component");
    fs::create_directories(dir_ / "in");
    std::ofstream(dir_ / "in" / "hello.txt") << "hello from the host\n";
    std::ofstream(dir_ / "secret.txt") << "secret\n";
    fs::create_directory_symlink("/etc", dir_ / "in" / "etc");
    fs::create_directory_symlink("..", dir_ / "in" / "up");
  }

  // Builds `source` (C, or C++ when `cxx`) as a core module and as a
  // command component.
  void build(const std::string& name, const char* source, bool cxx = false) {
    fs::path src = dir_ / (name + (cxx ? ".cpp" : ".c"));
    std::ofstream(src) << source;
    core_ = (dir_ / (name + ".wasm")).string();
    comp_ = (dir_ / (name + ".component.wasm")).string();
    ASSERT_TRUE(sh(std::string(SPINDLE_WASM_CC) +
                   (cxx ? " --driver-mode=g++ -fno-exceptions" : "") +
                   " --target=wasm32-wasi -O1 " + src.string() + " -o " + core_));
    ASSERT_TRUE(sh(kJco.string() + " new " + core_ + " --wasi-command -o " + comp_));
  }

  // `spindle run` with a fresh --dir for /out; `out_file` gets what the
  // guest wrote there.
  spindle::test::Result run(const std::string& wasm, std::vector<std::string> guest_args,
                            std::string& out_file) {
    static int n = 0;
    fs::path out = dir_ / ("out" + std::to_string(++n));
    fs::create_directories(out);
    std::vector<std::string> args = {"run",
                                     "--backend",
                                     GetParam(),
                                     "--dir-ro",
                                     (dir_ / "in").string() + "::/in",
                                     "--dir",
                                     out.string() + "::/out",
                                     "--env",
                                     "GREETING=hi there",
                                     wasm};
    args.insert(args.end(), guest_args.begin(), guest_args.end());
    auto r = run_spindle(args);
    out_file = slurp((out / "result.txt").string());
    return r;
  }

  fs::path dir_;
  std::string core_, comp_;
};

TEST_P(RunComponent, SameOutputExitStatusAndFilesAsTheCoreModule) {
  build("program", kProgram);
  for (const char* code : {"0", "1", "3"}) {
    std::string core_file, comp_file;
    auto core = run(core_, {code, "two words"}, core_file);
    auto comp = run(comp_, {code, "two words"}, comp_file);
    EXPECT_EQ(core.out, comp.out) << code;
    EXPECT_EQ(core.err, comp.err) << code;
    EXPECT_EQ(core_file, comp_file) << code;
    EXPECT_EQ(comp_file, "from guest: hello from the host\n");
    EXPECT_EQ(comp.out, std::string("arg 1: ") + code +
                            "\n"
                            "arg 2: two words\n"
                            "GREETING=hi there\n"
                            "entry .\n"
                            "entry ..\n"
                            "entry etc\n"
                            "entry hello.txt\n"
                            "entry up\n"
                            "hello.txt: hello from the host\n"
                            "write /in: Operation not permitted\n");
    EXPECT_EQ(comp.err, std::string("a line on stderr\nexiting with ") + code + "\n");
    EXPECT_EQ(core.status, std::atoi(code)) << core.err;
    // jco's preview1 adapter passes proc_exit(n) on as wasi:cli/exit
    // exit(err) for every n != 0: the component exits with 1 where the core
    // module exits with n > 1 (as under wasmtime).
    EXPECT_EQ(comp.status, std::atoi(code) == 0 ? 0 : 1) << comp.err;
  }
}

TEST_P(RunComponent, CppProgramGivesTheSameOutputAsTheCoreModule) {
  build("cpp", kCppProgram, true);
  std::string unused;
  auto core = run(core_, {"pear", "apple", "fig"}, unused);
  auto comp = run(comp_, {"pear", "apple", "fig"}, unused);
  EXPECT_EQ(core.status, 0) << core.err;
  EXPECT_EQ(comp.status, 0) << comp.err;
  EXPECT_EQ(core.out, comp.out);
  EXPECT_EQ(core.err, comp.err);
  EXPECT_EQ(comp.out, "apple\nfig\npear\nline: hello from the host\n");
  EXPECT_EQ(comp.err, "done\n");
}

TEST_P(RunComponent, EscapesFailAsForTheCoreModule) {
  build("escape", kEscape);
  std::string unused;
  auto core = run(core_, {}, unused);
  auto comp = run(comp_, {}, unused);
  EXPECT_EQ(core.status, 0) << core.err;
  EXPECT_EQ(comp.status, 0) << comp.err;
  EXPECT_EQ(core.out, comp.out);
  EXPECT_EQ(comp.out,
            "/in/hello.txt: OPENED\n"
            "/in/../secret.txt: denied\n"
            "/in/../../../../etc/passwd: denied\n"
            "/in/etc/passwd: denied\n"
            "/in/up/secret.txt: denied\n");
}

TEST_P(RunComponent, TimeoutEndsASleepingComponent) {
  build("sleepy", "#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n");
  auto start = std::chrono::steady_clock::now();
  auto r = run_spindle({"run", "--backend", GetParam(), "--timeout", "300ms", comp_});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_NE(r.err.find("(timeout)"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_P(RunComponent, InheritedStdinIsReadToTheEnd) {
  build("upper",
        "#include <ctype.h>\n#include <stdio.h>\nint main(void) { int c, n = 0;\n"
        "  while ((c = getchar()) != EOF) { putchar(toupper(c)); ++n; }\n"
        "  printf(\"[%d]\\n\", n); return 0; }\n");
  for (const std::string& wasm : {core_, comp_}) {
    auto r = spindle::test::run_process(
        {"sh", "-c",
         "(printf 'abc\\n'; sleep 0.2; printf 'late\\n') | \"$0\" run --backend \"$1\" \"$2\"",
         SPINDLE_BIN, GetParam(), wasm},
        {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
    EXPECT_EQ(r.status, 0) << wasm << ": " << r.err;
    EXPECT_EQ(r.out, "ABC\nLATE\n[9]\n") << wasm;
  }
}

TEST_P(RunComponent, NotACommandIsRefused) {
  // A component without wasi:cli/run (a reactor) cannot be run.
  fs::path c = dir_ / "r.c", core = dir_ / "r.wasm", comp = dir_ / "r.component.wasm";
  std::ofstream(c) << "__attribute__((export_name(\"f\"))) int f(void) { return 1; }\n";
  ASSERT_TRUE(sh(std::string(SPINDLE_WASM_CC) + " --target=wasm32-wasi -O1 -mexec-model=reactor " +
                 c.string() + " -o " + core.string()));
  ASSERT_TRUE(sh(kJco.string() + " new " + core.string() + " --wasi-reactor -o " + comp.string()));
  auto r = run_spindle({"run", "--backend", GetParam(), comp.string()});
  EXPECT_EQ(r.status, 126) << r.err;
  EXPECT_NE(r.err.find("wasi:cli/run"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, RunComponent, ::testing::Values("native", "interp"),
                         [](const auto& info) { return info.param; });

}  // namespace
