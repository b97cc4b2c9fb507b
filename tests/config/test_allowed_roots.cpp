// allowed_roots against real directories and symlinks: every way out of a root is refused.

#include "temp_dir.hpp"

#include "swmrd/config/allowed_roots.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using swmrd::config::is_inside_allowed_roots;
namespace fs = std::filesystem;

namespace {

// base/data/sub/            the allowed root
// base/data/link -> base/outside
// base/data2/               shares a prefix with data
// base/outside/secret.h5
// base/rootlink -> base/data
struct Tree {
    swmrd::config::test::TempDir dir;
    fs::path base = dir.path();
    fs::path data = base / "data";
    fs::path data2 = base / "data2";
    fs::path outside = base / "outside";
    fs::path rootlink = base / "rootlink";

    Tree() {
        fs::create_directories(data / "sub");
        fs::create_directories(data2);
        fs::create_directories(outside);
        std::ofstream(outside / "secret.h5") << "x";
        std::ofstream(data / "sub" / "scan.h5") << "x";
        fs::create_directory_symlink(outside, data / "link");
        fs::create_directory_symlink(data, rootlink);
    }

    std::vector<std::string> roots() const { return {data.string()}; }
};

bool inside(const fs::path& path, const std::vector<std::string>& roots,
            std::string* why = nullptr) {
    return is_inside_allowed_roots(path.string(), roots, why);
}

} // namespace

TEST_CASE("paths under a root are inside") {
    const Tree tree;
    CHECK(inside(tree.data / "x.h5", tree.roots()));
    CHECK(inside(tree.data / "sub" / "scan.h5", tree.roots()));
    CHECK(inside(tree.data / "new" / "dir" / "x.h5", tree.roots()));
    CHECK(inside(tree.data, tree.roots()));
    CHECK(inside(tree.data.string() + "/", tree.roots()));
    CHECK(inside(tree.data / "sub" / ".." / "x.h5", tree.roots()));
    CHECK(inside(tree.data / "." / "sub" / "scan.h5", tree.roots()));
    CHECK(inside(tree.data / "x.h5", {tree.data.string() + "/"}));
    CHECK(inside(tree.outside / "secret.h5", {tree.data.string(), tree.outside.string()}));
    CHECK(inside(tree.data / "x.h5", {"/"}));
}

TEST_CASE("`..` out of the root is outside") {
    const Tree tree;
    std::string why;
    CHECK_FALSE(inside(tree.data / ".." / "outside" / "secret.h5", tree.roots(), &why));
    CHECK(why == (tree.data / ".." / "outside" / "secret.h5").string() + " resolves to " +
                     (tree.outside / "secret.h5").string() +
                     ", which is outside the allowed roots (" + tree.data.string() + ")");
    CHECK_FALSE(inside(tree.data / "no" / ".." / ".." / "outside" / "x.h5", tree.roots()));
    CHECK_FALSE(inside(tree.data / "..", tree.roots()));
    CHECK_FALSE(inside(tree.data / "sub" / ".." / ".." / "data2" / "x.h5", tree.roots()));
}

TEST_CASE("a symlink inside the root that points out is outside") {
    const Tree tree;
    std::string why;
    CHECK_FALSE(inside(tree.data / "link" / "secret.h5", tree.roots(), &why));
    CHECK(why == (tree.data / "link" / "secret.h5").string() + " resolves to " +
                     (tree.outside / "secret.h5").string() +
                     ", which is outside the allowed roots (" + tree.data.string() + ")");
    CHECK_FALSE(inside(tree.data / "link" / "not-yet.h5", tree.roots()));
    CHECK_FALSE(inside(tree.data / "link", tree.roots()));
    // `link/..` is the link's parent, as open() sees it, not data/ as the text suggests.
    CHECK_FALSE(inside(tree.data / "link" / ".." / "x.h5", tree.roots(), &why));
    CHECK(why.find("resolves to " + (tree.base / "x.h5").string()) != std::string::npos);
}

TEST_CASE("a symlinked root allows what lies under its target") {
    const Tree tree;
    const std::vector<std::string> roots{tree.rootlink.string()};
    CHECK(inside(tree.rootlink / "x.h5", roots));
    CHECK(inside(tree.rootlink / "sub" / "scan.h5", roots));
    CHECK(inside(tree.data / "x.h5", roots));
    CHECK_FALSE(inside(tree.outside / "secret.h5", roots));
    CHECK_FALSE(inside(tree.rootlink / "link" / "secret.h5", roots));
    CHECK_FALSE(inside(tree.rootlink / ".." / "outside" / "secret.h5", roots));
}

TEST_CASE("a shared prefix is not a parent: data2 is not under data") {
    const Tree tree;
    std::string why;
    CHECK_FALSE(inside(tree.data2 / "x.h5", tree.roots(), &why));
    CHECK(why == (tree.data2 / "x.h5").string() + " is outside the allowed roots (" +
                     tree.data.string() + ")");
    CHECK_FALSE(inside(tree.data2, tree.roots()));
    CHECK_FALSE(inside(tree.data.string() + "2", tree.roots()));
    CHECK_FALSE(inside(tree.data.string() + ".h5", tree.roots()));
}

TEST_CASE("a glob pattern is inside when its fixed directory part is") {
    const Tree tree;
    CHECK(inside(tree.data / "scan-*.h5", tree.roots()));
    CHECK(inside(tree.data / "*" / "scan.h5", tree.roots()));
    CHECK(inside(tree.data / "sub" / "scan-??.h5", tree.roots()));
    CHECK(inside(tree.data / "run[0-9]" / "*.h5", tree.roots()));
}

TEST_CASE("a glob whose fixed part escapes is outside") {
    const Tree tree;
    std::string why;
    const auto pattern = tree.data / ".." / "outside" / "*.h5";
    CHECK_FALSE(inside(pattern, tree.roots(), &why));
    CHECK(why == "the directory part " + (tree.data / ".." / "outside").string() + " of pattern " +
                     pattern.string() + " resolves to " + tree.outside.string() +
                     ", which is outside the allowed roots (" + tree.data.string() + ")");

    const auto through_link = tree.data / "link" / "*.h5";
    CHECK_FALSE(inside(through_link, tree.roots(), &why));
    CHECK(why == "the directory part " + (tree.data / "link").string() + " of pattern " +
                     through_link.string() + " resolves to " + tree.outside.string() +
                     ", which is outside the allowed roots (" + tree.data.string() + ")");

    // The glob sits in the component that would make it "data": the fixed part is the base.
    const auto prefix = tree.base / "data*" / "x.h5";
    CHECK_FALSE(inside(prefix, tree.roots(), &why));
    CHECK(why == "the directory part " + tree.base.string() + " of pattern " + prefix.string() +
                     " is outside the allowed roots (" + tree.data.string() + ")");
}

TEST_CASE("a glob with `..` after its glob character is refused") {
    const Tree tree;
    std::string why;
    const auto pattern = tree.data / "*" / ".." / ".." / "outside" / "secret.h5";
    CHECK_FALSE(inside(pattern, tree.roots(), &why));
    CHECK(why == "pattern " + pattern.string() +
                     " has .. after a glob character, so its matches could lie anywhere; write "
                     "the pattern without ..");
}

TEST_CASE("a relative path is never inside") {
    const Tree tree;
    std::string why;
    CHECK_FALSE(is_inside_allowed_roots("data/x.h5", tree.roots(), &why));
    CHECK(why == "\"data/x.h5\" is not an absolute path; only absolute paths can be allowed");
    CHECK_FALSE(is_inside_allowed_roots("", tree.roots(), &why));
    CHECK_FALSE(is_inside_allowed_roots("./x.h5", {"/"}, &why));
}

TEST_CASE("with no roots configured, nothing is inside") {
    std::string why;
    CHECK_FALSE(is_inside_allowed_roots("/data/x.h5", {}, &why));
    CHECK(why == "no allowed_roots are configured, so control `start` is refused");
    CHECK_FALSE(is_inside_allowed_roots("/data/x.h5", {}));
}

TEST_CASE("the message lists every root as configured") {
    std::string why;
    CHECK_FALSE(is_inside_allowed_roots("/etc/passwd",
                                        {"/nonexistent-swmrd-a", "/nonexistent-swmrd-b"}, &why));
    CHECK(why == "/etc/passwd is outside the allowed roots (/nonexistent-swmrd-a, "
                 "/nonexistent-swmrd-b)");
}

TEST_CASE("a relative root never widens the check") {
    const Tree tree;
    const auto cwd = fs::current_path();
    fs::current_path(tree.base);
    const bool allowed = inside(tree.data / "x.h5", {"data"});
    fs::current_path(cwd);
    CHECK_FALSE(allowed);
}
