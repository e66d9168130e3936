import Foundation
import JSONWriting

/// Reads `OTEL_*` variables by the types of the OpenTelemetry environment specification. An empty value is
/// no value. A value that cannot be used is one warning naming the variable, the value and what is accepted,
/// and is otherwise ignored: what the configuration held (its default, or the code's value) stays. Nothing
/// here throws: no environment can stop a process that uses the exporter.
struct EnvironmentReader {
    let environment: [String: String]
    let warn: (String) -> Void

    /// The longest time a timeout of 0 ("no limit" in the specification) stands for: 2³¹ − 1 ms, about 24 days.
    static let indefiniteSeconds = Double(Int32.max) / 1000

    /// The value with its blanks and line breaks trimmed; nil when unset or empty.
    func text(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A value as a warning shows it: escaped, and cut past 200 characters.
    static func shown(_ value: String) -> String {
        value.count > 200 ? VisibleText.escape(String(value.prefix(200))) + "… (\(value.utf8.count) bytes)" : VisibleText.escape(value)
    }

    /// Says that `name`'s value is ignored. `shown` false hides the value (it may be a secret).
    func reject(_ name: String, _ value: String, expected: String, shown: Bool = true) {
        let text = shown ? "'\(Self.shown(value))'" : "its value (not shown)"
        warn("\(name): \(text) is not accepted; expected \(expected); ignored")
    }

    /// `true` or `false`, either case; anything else is a warning and false (the specification's Boolean).
    func boolean(_ name: String) -> Bool? {
        guard let value = text(name) else { return nil }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default:
            warn("\(name): '\(Self.shown(value))' is not accepted; expected true or false; taken as false")
            return false
        }
    }

    /// A whole number in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>, expected: String) -> Int? {
        guard let value = text(name) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            reject(name, value, expected: expected)
            return nil
        }
        return number
    }

    /// A duration in milliseconds, 0 or more, as seconds.
    func duration(_ name: String) -> Double? {
        integer(name, in: 0...Int(Int32.max), expected: "milliseconds, a whole number from 0 to 2147483647").map { Double($0) / 1000 }
    }

    /// A timeout in milliseconds as seconds; 0 means no limit (``indefiniteSeconds``).
    func timeout(_ name: String) -> Double? {
        integer(name, in: 0...Int(Int32.max), expected: "milliseconds, a whole number from 0 to 2147483647 (0: no limit)").map {
            $0 == 0 ? Self.indefiniteSeconds : Double($0) / 1000
        }
    }

    /// One of `choices` (compared without case).
    func choice<Value>(_ name: String, _ choices: KeyValuePairs<String, Value>) -> Value? {
        guard let value = text(name) else { return nil }
        if let match = choices.first(where: { $0.key == value.lowercased() }) { return match.value }
        reject(name, value, expected: Self.list(choices.map(\.key)))
        return nil
    }

    /// A comma-separated list of `choices`, deduplicated in order; unknown entries are warned about and left
    /// out. Nil when unset, or when no entry is known (the setting is then ignored whole).
    func choices<Value: Equatable>(_ name: String, _ choices: KeyValuePairs<String, Value>) -> [Value]? {
        guard let value = text(name) else { return nil }
        var known: [Value] = []
        var unknown: [String] = []
        for entry in value.split(separator: ",").map({ $0.trimmingSpaces() }) where !entry.isEmpty {
            if let match = choices.first(where: { $0.key == entry.lowercased() }) {
                if !known.contains(match.value) { known.append(match.value) }
            } else {
                unknown.append(entry)
            }
        }
        if !unknown.isEmpty {
            let names = unknown.map { "'\(Self.shown($0))'" }.joined(separator: ", ")
            warn("\(name): \(names) \(unknown.count == 1 ? "is" : "are") not supported; expected \(Self.list(choices.map(\.key)))\(known.isEmpty ? "; ignored" : "; left out")")
        }
        guard !known.isEmpty || unknown.isEmpty else { return nil }
        if known.isEmpty {
            // Only commas and blanks: nothing said, so nothing changed (`none` says "no exporter").
            reject(name, value, expected: Self.list(choices.map(\.key)))
            return nil
        }
        return known
    }

    /// An `http://` or `https://` URL without credentials.
    func url(_ name: String) -> String? {
        guard let value = text(name) else { return nil }
        do {
            try OTLPHTTPConfiguration.validate(value, option: name)
            return value
        } catch {
            warn("\(error.message); ignored")
            return nil
        }
    }

    /// `name=value` pairs separated by commas, values percent-decoded; nil when unset. A malformed list is
    /// `malformed` (a half-read set of credentials would be worse than none), said with `consequence`;
    /// values are never shown.
    func headers(
        _ name: String, malformed: [OTLPHTTPConfiguration.Header]? = nil, consequence: String = "the variable is ignored"
    ) -> [OTLPHTTPConfiguration.Header]? {
        guard let value = text(name) else { return nil }
        var headers: [OTLPHTTPConfiguration.Header] = []
        for item in value.split(separator: ",") where !item.trimmingSpaces().isEmpty {
            do {
                headers.append(try OTLPHTTPConfiguration.header(String(item), option: name, percentDecoded: true))
            } catch {
                warn("\(error.message); \(consequence)")
                return malformed
            }
        }
        return headers
    }

    /// The path of a regular file that can be read and is not empty.
    func readableFile(_ name: String) -> String? {
        guard let value = text(name) else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: value)
        guard FileManager.default.isReadableFile(atPath: value), attributes?[.type] as? FileAttributeType == .typeRegular,
            (attributes?[.size] as? Int ?? 0) > 0
        else {
            reject(name, value, expected: "the path of a readable PEM file")
            return nil
        }
        return value
    }

    /// `a, b or c`.
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
