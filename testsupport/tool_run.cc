// See tool_run.h.
#include "testsupport/tool_run.h"

#include <sys/wait.h>

#include <cstdio>
#include <memory>

namespace cf::testsupport {
namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

ToolRun run_regiontool(const std::string& binary, const std::vector<std::string>& args) {
  std::string cmd = quote(binary);
  for (const std::string& a : args) cmd += " " + quote(a);
  cmd += " 2>&1";
  ToolRun r;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) r.output.append(buf, n);
  const int status = pclose(pipe.release());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace cf::testsupport
