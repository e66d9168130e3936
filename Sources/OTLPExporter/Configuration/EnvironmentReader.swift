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

    /// The value with its blanks trimmed; nil when unset or empty.
    func text(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingSpaces(), !value.isEmpty else { return nil }
        return value
    }

    /// Says that `name`'s value is ignored. `shown` false hides the value (it may be a secret).
    func reject(_ name: String, _ value: String, expected: String, shown: Bool = true) {
        let text = shown ? "'\(VisibleText.escape(value))'" : "its value (not shown)"
        warn("\(name): \(text) is not accepted; expected \(expected); ignored")
    }

    /// `true` or `false`, either case; anything else is a warning and false (the specification's Boolean).
    func boolean(_ name: String) -> Bool? {
        guard let value = text(name) else { return nil }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default:
            warn("\(name): '\(VisibleText.escape(value))' is not accepted; expected true or false; taken as false")
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
        integer(name, in: 0...Int(Int32.max), expected: "milliseconds, a whole number from 0").map { Double($0) / 1000 }
    }

    /// A timeout in milliseconds as seconds; 0 means no limit (``indefiniteSeconds``).
    func timeout(_ name: String) -> Double? {
        integer(name, in: 0...Int(Int32.max), expected: "milliseconds, a whole number from 0 (0: no limit)").map {
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
        for entry in value.split(separator: ",").map({ $0.trimmingSpaces().lowercased() }) where !entry.isEmpty {
            if let match = choices.first(where: { $0.key == entry }) {
                if !known.contains(match.value) { known.append(match.value) }
            } else {
                unknown.append(entry)
            }
        }
        if !unknown.isEmpty {
            let names = unknown.map { "'\(VisibleText.escape($0))'" }.joined(separator: ", ")
            warn("\(name): \(names) \(unknown.count == 1 ? "is" : "are") not supported; expected \(Self.list(choices.map(\.key)))\(known.isEmpty ? "; ignored" : "; left out")")
        }
        return known.isEmpty && !unknown.isEmpty ? nil : known
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

    /// `name=value` pairs separated by commas, values percent-decoded. A malformed list is ignored whole
    /// (a half-read set of credentials would be worse than none); values are never shown.
    func headers(_ name: String) -> [OTLPHTTPConfiguration.Header]? {
        guard let value = text(name) else { return nil }
        var headers: [OTLPHTTPConfiguration.Header] = []
        for item in value.split(separator: ",") where !item.trimmingSpaces().isEmpty {
            do {
                headers.append(try OTLPHTTPConfiguration.header(String(item), option: name, percentDecoded: true))
            } catch {
                warn("\(error.message); the variable is ignored")
                return nil
            }
        }
        return headers
    }

    /// The path of a file that can be read.
    func readableFile(_ name: String) -> String? {
        guard let value = text(name) else { return nil }
        guard FileManager.default.isReadableFile(atPath: value) else {
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
