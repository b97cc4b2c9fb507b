#include "yaml_guard.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace swmrd::config {

namespace {

struct Runaway {
    YAML::Mark mark;
};

// Counts the parser's events and stops it once there are more than any text of this length
// can hold.
class EventBudget : public YAML::EventHandler {
public:
    explicit EventBudget(std::size_t limit) : limit_(limit) {}

    void OnDocumentStart(const YAML::Mark& mark) override { spend(mark); }
    void OnDocumentEnd() override { spend(last_); }
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { spend(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { spend(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string&) override {
        spend(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        spend(mark);
    }
    void OnSequenceEnd() override { spend(last_); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        spend(mark);
    }
    void OnMapEnd() override { spend(last_); }

private:
    void spend(const YAML::Mark& mark) {
        last_ = mark;
        if (++events_ > limit_)
            throw Runaway{mark};
    }

    const std::size_t limit_;
    std::size_t events_ = 0;
    YAML::Mark last_ = YAML::Mark::null_mark();
};

} // namespace

std::optional<std::string> yaml_cpp_trap(const std::string& text) {
    std::istringstream input(text);
    // Generous: `[[[]]]` gives two events per character, `a:` three for three.
    EventBudget budget(4 * text.size() + 64);
    try {
        YAML::Parser parser(input);
        while (parser.HandleNextDocument(budget)) {
        }
    } catch (const Runaway& runaway) {
        return "line " + std::to_string(runaway.mark.line + 1) + ", column " +
               std::to_string(runaway.mark.column + 1) +
               ": the YAML parser goes round in circles here (a stray ','?)";
    } catch (const YAML::Exception&) {
        // A syntax error: yaml-cpp reports it in its own words on the real parse.
    }
    return std::nullopt;
}

} // namespace swmrd::config
