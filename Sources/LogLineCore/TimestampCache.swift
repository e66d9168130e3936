import JSONWriting

#if canImport(Glibc)
import Glibc
#endif

/// The text of the last second rendered (`2026-11-25T14:45:08`), so that a line in the same second copies
/// it instead of computing the calendar again.
struct TimestampCache {
    private var second: Int = .min
    private var text: [UInt8] = []

    /// `YYYY-MM-DDTHH:MM:SS` of `second` (seconds since the Unix epoch, UTC).
    mutating func dateTime(_ second: Int) -> [UInt8] {
        if second != self.second {
            var seconds = time_t(second)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            text.removeAll(keepingCapacity: true)
            text.append(decimal: Int(parts.tm_year) + 1900, width: 4)
            text.append(ascii: "-")
            text.append(decimal: Int(parts.tm_mon) + 1, width: 2)
            text.append(ascii: "-")
            text.append(decimal: Int(parts.tm_mday), width: 2)
            text.append(ascii: "T")
            text.append(decimal: Int(parts.tm_hour), width: 2)
            text.append(ascii: ":")
            text.append(decimal: Int(parts.tm_min), width: 2)
            text.append(ascii: ":")
            text.append(decimal: Int(parts.tm_sec), width: 2)
            self.second = second
        }
        return text
    }
}
