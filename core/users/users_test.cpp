#include "core/users/users.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace sluice {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text, bool executable = false) {
  std::ofstream(p) << text;
  if (executable) ::chmod(p.c_str(), 0755);
}

// A passwd and a group file, and a getent stand-in that knows one more user and group (as a
// directory service would) and logs every question it is asked.
class Users : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-users-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    write_file(dir_ / "passwd",
               "# local users\n"
               "root:x:0:0:root:/root:/bin/bash\n"
               "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
               "+nisuser:x:1500:1500::/:\n"
               "broken line\n"
               "badid:x:4294967296:0::/:\n"
               "\n"
               "1234:x:1234:1234:digits as a name:/:\n");
    write_file(dir_ / "group", "root:x:0:\nstaff:x:50:alice\n");
    write_file(dir_ / "getent",
               "#!/bin/sh\n"
               "echo \"$*\" >> \"$(dirname \"$0\")/asked\"\n"
               "[ \"$2\" = -- ] || exit 1\n"
               "case \"$1:$3\" in\n"
               "  passwd:ldapuser|passwd:2000) echo 'ldapuser:*:2000:2000:LDAP:/home/ldapuser:/bin/sh' ;;\n"
               "  group:ldapgroup|group:3000) echo 'ldapgroup:*:3000:' ;;\n"
               "  *) exit 2 ;;\n"
               "esac\n",
               true);
    db_ = {.passwd = dir_ / "passwd", .group = dir_ / "group", .getent = dir_ / "getent"};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string asked() {
    std::ifstream in(dir_ / "asked");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  fs::path dir_;
  UserDb db_;
};

TEST_F(Users, LocalUsersComeFromTheFileAlone) {
  EXPECT_EQ(uid_of("root", db_), 0u);
  EXPECT_EQ(uid_of("alice", db_), 1000u);
  EXPECT_EQ(user_name_of(1000, db_), "alice");
  EXPECT_EQ(gid_of("staff", db_), 50u);
  EXPECT_EQ(group_name_of(0, db_), "root");
  EXPECT_EQ(asked(), "");
}

TEST_F(Users, OthersAreAskedOfGetent) {
  EXPECT_EQ(uid_of("ldapuser", db_), 2000u);
  EXPECT_EQ(user_name_of(2000, db_), "ldapuser");
  EXPECT_EQ(gid_of("ldapgroup", db_), 3000u);
  EXPECT_EQ(group_name_of(3000, db_), "ldapgroup");
  EXPECT_EQ(asked(), "passwd -- ldapuser\npasswd -- 2000\ngroup -- ldapgroup\ngroup -- 3000\n");
}

TEST_F(Users, UnknownNamesAndIds) {
  EXPECT_EQ(uid_of("nosuchuser", db_), std::nullopt);
  EXPECT_EQ(user_name_of(4242, db_), std::nullopt);
  EXPECT_EQ(gid_of("nosuchgroup", db_), std::nullopt);
  EXPECT_EQ(group_name_of(4242, db_), std::nullopt);
  EXPECT_EQ(uid_of("nisuser", db_), std::nullopt);  // "+" lines are NIS markers, not users
  EXPECT_EQ(uid_of("badid", db_), std::nullopt);
}

TEST_F(Users, KeysThatCannotBeNamesAreNotLookedUp) {
  for (const std::string& key :
       std::vector<std::string>{"", "a:b", "a\nb", std::string("a\0b", 3), std::string(5000, 'a')})
    EXPECT_EQ(uid_of(key, db_), std::nullopt) << key.size();
  EXPECT_EQ(asked(), "");
}

TEST_F(Users, OptionLikeNamesStayKeys) {
  EXPECT_EQ(uid_of("-x", db_), std::nullopt);
  EXPECT_EQ(asked(), "passwd -- -x\n");
}

TEST_F(Users, AnIdIsNotAName) {
  // getent answers an all-digit key with the user of that uid; that user is not named "2000".
  EXPECT_EQ(uid_of("2000", db_), std::nullopt);
  EXPECT_EQ(uid_of("1234", db_), 1234u);  // a user really named so
}

TEST_F(Users, UidFromStringAsSlurm) {
  EXPECT_EQ(uid_from_string("alice", db_), 1000u);
  EXPECT_EQ(uid_from_string("1000", db_), 1000u);
  EXPECT_EQ(uid_from_string("2000", db_), 2000u);
  EXPECT_EQ(uid_from_string("4242", db_), std::nullopt);  // a number must be the uid of a user
  EXPECT_EQ(uid_from_string("4294967296", db_), std::nullopt);
  EXPECT_EQ(uid_from_string("-1", db_), std::nullopt);
  EXPECT_EQ(uid_from_string("nosuchuser", db_), std::nullopt);
}

TEST_F(Users, WithoutGetentOnlyTheFilesCount) {
  db_.getent = "-";
  EXPECT_EQ(uid_of("alice", db_), 1000u);
  EXPECT_EQ(uid_of("ldapuser", db_), std::nullopt);
  db_.getent = (dir_ / "missing").string();
  EXPECT_EQ(uid_of("ldapuser", db_), std::nullopt);
}

TEST_F(Users, MissingFilesAreEmpty) {
  db_.passwd = (dir_ / "nothing").string();
  EXPECT_EQ(uid_of("root", db_), std::nullopt);
  EXPECT_EQ(uid_of("ldapuser", db_), 2000u);
}

TEST(UsersSystem, RootIsKnown) {
  EXPECT_EQ(uid_of("root"), 0u);
  EXPECT_EQ(user_name_of(0), "root");
  EXPECT_EQ(uid_of("sluice-no-such-user-here"), std::nullopt);
}

TEST(UsersSystem, NameServiceAgreesOnRoot) {
  EXPECT_EQ(uid_of("root", kNss), 0u);
  EXPECT_EQ(user_name_of(0, kNss), "root");
  EXPECT_EQ(group_name_of(0, kNss), "root");
  EXPECT_EQ(uid_of("sluice-no-such-user-here", kNss), std::nullopt);
  EXPECT_EQ(uid_of("a:b", kNss), std::nullopt);
  EXPECT_EQ(user_label(4242424, kNss), "4242424");
}

TEST(UsersSystem, GroupListHoldsThePrimaryGroup) {
  const auto groups = group_list("root", 0);
  EXPECT_NE(std::ranges::find(groups, 0u), groups.end());
  EXPECT_EQ(group_list("sluice-no-such-user-here", 77), std::vector<std::uint32_t>{77});
}

TEST_F(Users, UidOrNumberTakesAnyNumber) {
  EXPECT_EQ(uid_or_number("alice", db_), 1000u);
  EXPECT_EQ(uid_or_number("4242", db_), 4242u);
  EXPECT_EQ(uid_or_number("nosuchuser", db_), std::nullopt);
  EXPECT_EQ(uid_or_number("", db_), std::nullopt);
}

TEST(ParseDbLine, Lines) {
  EXPECT_EQ(parse_db_line("a:x:5:6::/:/bin/sh")->name, "a");
  EXPECT_EQ(parse_db_line("a:x:5:6::/:/bin/sh")->id, 5u);
  EXPECT_EQ(parse_db_line("g:x:7:")->id, 7u);
  EXPECT_FALSE(parse_db_line(""));
  EXPECT_FALSE(parse_db_line("#a:x:5"));
  EXPECT_FALSE(parse_db_line("-a:x:5"));
  EXPECT_FALSE(parse_db_line("a:x"));
  EXPECT_FALSE(parse_db_line(":x:5"));
  EXPECT_FALSE(parse_db_line("a:x:-5"));
  EXPECT_FALSE(parse_db_line("a:x:5a"));
}

}  // namespace
}  // namespace sluice
