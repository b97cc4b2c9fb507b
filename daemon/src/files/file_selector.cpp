#include "files/file_selector.hpp"
#include "base/wall_clock.hpp"

#include "files/directory_events.hpp"

#include <algorithm>
#include <tuple>

namespace swmrd::daemon {

// How far behind the kernel's clock of file times may be (a tick: 4 or 10 ms), twice over.
constexpr std::int64_t coarse_clock_ns = 20'000'000;

// Failed runs of a file that has not changed since, after which it waits for a change.
constexpr unsigned retries_unchanged = 3;

FileSelector::FileSelector(std::string file_or_pattern, bool is_pattern,
                           std::chrono::duration<double> still_written_within,
                           WatchedFolders& folders, WatchWakeup& wakeup, std::int64_t started_ns,
                           std::chrono::milliseconds first_pause)
    : file_(std::move(file_or_pattern)), is_pattern_(is_pattern),
      still_written_within_(still_written_within), first_pause_(first_pause), wakeup_(wakeup),
      started_ns_(started_ns != 0 ? started_ns : unix_time_now_ns()) {
    if (!is_pattern_)
        return;
    // The folder the pattern's files are in, when no folder of it has glob characters;
    // otherwise the pattern is listed as a whole.
    const auto folder = folder_to_watch(file_);
    if (folder.empty()) {
        listing_ = folders.listing(file_, true);
    } else {
        listing_ = folders.listing(folder, false);
        name_pattern_ = file_.substr(file_.rfind('/') + 1);
    }
    listing_->add_listener(wakeup_);
}

FileSelector::~FileSelector() {
    if (listing_)
        listing_->remove_listener(wakeup_);
}

// A file met for the first time (or another file at a name met before): not run yet.
FileSelector::Known FileSelector::new_file(const Candidate& file, std::uint64_t serial) {
    Known known;
    known.file = file;
    known.serial = serial;
    return known;
}

bool FileSelector::eligible(const Known& known) const {
    if (!known.state)
        return true;
    switch (*known.state) {
    case FileState::opening:
        return true;
    case FileState::running:
        return false;
    case FileState::done:
        // Truncated and written anew in place (h5py "w", H5F_ACC_TRUNC): a new file.
        return known.file.size < known.size_then;
    case FileState::failed:
        return std::chrono::steady_clock::now() >= known.retry_after &&
               (known.failures <= retries_unchanged || known.file.size != known.size_then ||
                known.file.modified_ns != known.modified_then);
    }
    return false;
}

void FileSelector::record(Known& known, const Candidate& now, FileState state) {
    known.file = now;
    known.state = state;
    known.size_then = now.size;
    known.modified_then = now.modified_ns;
    if (state == FileState::failed) {
        const auto pause = first_pause_ * (1L << std::min(known.failures, 6u));
        known.retry_after = std::chrono::steady_clock::now() + pause;
        ++known.failures;
    } else if (state == FileState::done) {
        known.failures = 0;
    }
}

void FileSelector::mark(const Candidate& candidate, FileState state) {
    if (!is_pattern_) {
        ++files_examined_;
        const auto now = identify(candidate.path);
        // The size now, not when it was picked: a run reads a file that grows.
        record(known_[candidate.path],
               now && now->identity == candidate.identity ? *now : candidate, state);
        return;
    }
    // The listing learns the size now too: a later, smaller one is a file written anew.
    const auto now = listing_->look_again(candidate.path);
    auto found = known_.find(candidate.path);
    if (found == known_.end())
        found = known_.emplace(candidate.path, new_file(candidate, now ? now->serial : 0)).first;
    auto& known = found->second;
    if (now && (known.renewed || now->serial != known.serial) && state != FileState::running) {
        known = new_file(now->file, now->serial); // another file took the name meanwhile
        return;
    }
    if (state == FileState::done) {
        known_.erase(candidate.path); // the listing's serial says it was met
        return;
    }
    if (now)
        known.serial = now->serial;
    record(known, now && now->file.identity == candidate.identity ? now->file : candidate, state);
}

std::optional<FileState> FileSelector::state_of(const std::string& path) const {
    const auto found = known_.find(path);
    return found == known_.end() ? std::nullopt : found->second.state;
}

void FileSelector::forget(const std::string& path) {
    if (!is_pattern_) {
        known_.erase(path);
        return;
    }
    if (const auto now = listing_->look_again(path))
        known_[path] = new_file(now->file, now->serial);
    else
        known_.erase(path);
}

std::uint64_t FileSelector::files_examined() const {
    return files_examined_ + (listing_ ? listing_->files_examined() : 0);
}

std::optional<Candidate> FileSelector::next() {
    return is_pattern_ ? next_of_pattern() : next_of_file();
}

std::optional<Candidate> FileSelector::next_of_file() {
    ++files_examined_;
    const auto now = identify(file_);
    if (!now) {
        known_.erase(file_);
        return std::nullopt;
    }
    auto& known = known_[file_];
    if (known.state && known.file.identity != now->identity)
        known = {}; // replaced: another file at the same path
    known.file = *now;
    return eligible(known) ? std::optional(known.file) : std::nullopt;
}

// The files the listing has that this watch has not met: at the first look, those created
// since the watch started, and the newest older match if it is still being written (the rest
// is history); then every file new at a name.
std::set<std::string> FileSelector::meet_new_files() {
    std::set<std::string> met;
    const auto serial = listing_->update();
    if (first_look_done_ && serial <= seen_serial_)
        return met;
    std::uint64_t serial_now = 0;
    const auto files =
        listing_->since(first_look_done_ ? seen_serial_ : 0, name_pattern_, &serial_now);
    if (!first_look_done_) {
        first_look_done_ = true;
        const ListedFile* newest = nullptr;
        for (const auto& listed : files) {
            // Its birth where the filesystem records it, its last write where not; file
            // times come from the kernel's coarse clock, a tick (up to 10 ms) behind.
            const auto& identity = listed.file.identity;
            if ((identity.birth_ns != 0 ? identity.birth_ns : listed.file.modified_ns) >=
                started_ns_ - coarse_clock_ns) {
                known_[listed.file.path] = new_file(listed.file, listed.serial);
                met.insert(listed.file.path);
            } else if (!newest || std::tie(listed.file.modified_ns, listed.file.path) >
                                      std::tie(newest->file.modified_ns, newest->file.path)) {
                newest = &listed;
            }
        }
        const auto recent_ns = static_cast<std::int64_t>(still_written_within_.count() * 1e9);
        if (newest && unix_time_now_ns() - newest->file.modified_ns <= recent_ns) {
            known_[newest->file.path] = new_file(newest->file, newest->serial);
            met.insert(newest->file.path);
        }
    } else {
        for (const auto& listed : files) {
            auto& known = known_[listed.file.path];
            if (known.serial == listed.serial)
                continue;
            if (known.state == FileState::running) {
                known.renewed = true; // run as a new file once this run is over
                known.serial = listed.serial;
            } else {
                known = new_file(listed.file, listed.serial);
                met.insert(listed.file.path);
            }
        }
    }
    seen_serial_ = serial_now;
    return met;
}

std::optional<Candidate> FileSelector::next_of_pattern() {
    const auto just_met = meet_new_files();
    // The files met before and not finished with are looked at again: gone, replaced or
    // changed.
    for (auto it = known_.begin(); it != known_.end();) {
        auto& known = it->second;
        if (known.state == FileState::running || just_met.count(it->first)) {
            ++it;
            continue;
        }
        const auto now = listing_->look_again(it->first);
        if (!now) {
            it = known_.erase(it);
            continue;
        }
        if (now->serial != known.serial)
            known = new_file(now->file, now->serial);
        else
            known.file = now->file;
        ++it;
    }
    const Known* oldest = nullptr;
    for (const auto& [path, known] : known_)
        if (eligible(known) &&
            (!oldest || std::tie(known.file.modified_ns, known.file.path) <
                            std::tie(oldest->file.modified_ns, oldest->file.path)))
            oldest = &known;
    return oldest ? std::optional(oldest->file) : std::nullopt;
}

} // namespace swmrd::daemon
