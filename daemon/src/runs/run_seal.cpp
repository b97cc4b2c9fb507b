#include "runs/run_seal.hpp"

#include "files/file_selector.hpp"

namespace swmrd::daemon {

namespace {

struct Digest {
    std::uint64_t hash = 14695981039346656037ull; // FNV-1a
    void add(std::uint64_t word) {
        for (int byte = 0; byte < 8; ++byte, word >>= 8) {
            hash ^= word & 0xff;
            hash *= 1099511628211ull;
        }
    }
    void add(const std::string& text) {
        add(text.size());
        for (const char c : text)
            add(static_cast<unsigned char>(c));
    }
};

std::uint64_t layout_digest(reader::RemoteFrameSource& source) {
    Digest digest;
    for (std::size_t part = 0; part < source.parts().size(); ++part) {
        digest.add(source.parts()[part].name);
        for (std::size_t member = 0; member < source.parts()[part].members; ++member) {
            const auto& info = source.member(part, member);
            digest.add(info.path);
            digest.add(info.dtype);
            digest.add(info.frame_shape.size());
            for (const auto extent : info.frame_shape)
                digest.add(extent);
            for (const auto& filter : info.filters)
                digest.add(filter.id);
            digest.add(info.one_frame_per_chunk);
        }
    }
    return digest.hash;
}

} // namespace

RunSeal seal_of(reader::RemoteFrameSource& source, const std::string& path, std::uint64_t frames) {
    RunSeal seal;
    // Size and time first: a write after them makes the next check read the keys again.
    if (const auto now = identify(path)) {
        seal.size = now->size;
        seal.modified_ns = now->modified_ns;
    }
    seal.frames = frames;
    seal.keys = source.key_digest(frames);
    seal.layout = layout_digest(source);
    return seal;
}

std::optional<std::string> broken_seal(const RunSeal& seal, reader::RemoteFrameSource& source,
                                       const std::string& path, const std::string& run) {
    // (A shorter file is told by a look at it: RunRegistry::gone.)
    const auto since = " since run " + run + " read it";
    if (layout_digest(source) != seal.layout)
        return path + " was written anew in place" + since + ": its datasets differ";
    if (source.key_digest(seal.frames) != seal.keys)
        return path + " was written anew in place" + since + ": the keys of its first " +
               std::to_string(seal.frames) + " frames differ";
    return std::nullopt;
}

bool looks_sealed(const RunSeal& seal, const std::string& path) {
    const auto now = identify(path);
    return now && now->size == seal.size && now->modified_ns == seal.modified_ns;
}

} // namespace swmrd::daemon
