// core/module_parts.h: which part a file is (FORMAT.md §6.2), grouping by module in
// first-seen order, and the chains a loader reads (§6.3).
#include "core/module_parts.h"

#include <gtest/gtest.h>

namespace cf {
namespace {

TEST(ModuleParts, ThePartAFileIsAndItsModule) {
  EXPECT_EQ(module_part_of("A/M.olean"), std::make_pair(ModulePart::olean, std::string("A/M.olean")));
  EXPECT_EQ(module_part_of("A/M.olean.server"), std::make_pair(ModulePart::olean_server, std::string("A/M.olean")));
  EXPECT_EQ(module_part_of("A/M.olean.private"), std::make_pair(ModulePart::olean_private, std::string("A/M.olean")));
  EXPECT_EQ(module_part_of("A/M.ir"), std::make_pair(ModulePart::ir, std::string("A/M.olean")));
  EXPECT_EQ(module_part_of("A/M.ir.sig"), std::make_pair(ModulePart::ir_sig, std::string("A/M.olean")));
  EXPECT_EQ(module_part_of("lakefile.olean"), std::make_pair(ModulePart::olean, std::string("lakefile.olean")));
  EXPECT_EQ(module_part_of(".server"), std::make_pair(ModulePart::olean, std::string(".server")));  // no stem
}

TEST(ModuleParts, GroupsInFirstSeenOrderAndChainsThePartsPresent) {
  const auto modules = group_module_parts({"B.ir", "A.olean.private", "B.olean", "A.olean", "B.ir.sig", "C.olean.server"});
  ASSERT_EQ(modules.size(), 3u);
  EXPECT_EQ(modules[0].base, "B.olean");
  EXPECT_EQ(modules[1].base, "A.olean");
  EXPECT_EQ(modules[2].base, "C.olean");
  using Chains = std::vector<std::vector<std::string>>;
  EXPECT_EQ(module_chains(modules[0]), (Chains{{"B.olean"}, {"B.ir.sig", "B.ir"}}));
  EXPECT_EQ(module_chains(modules[1]), (Chains{{"A.olean", "A.olean.private"}}));
  EXPECT_EQ(module_chains(modules[2]), (Chains{{"C.olean.server"}}));  // a part without its .olean stands alone
}

TEST(ModuleParts, TheFirstFileForAPartWins) {
  const auto modules = group_module_parts({"M.olean", "M.olean"});
  ASSERT_EQ(modules.size(), 1u);
  EXPECT_EQ(module_chains(modules[0]), (std::vector<std::vector<std::string>>{{"M.olean"}}));
}

}  // namespace
}  // namespace cf
