/// Per-logger levels from directives such as `info,ECLCore.Store=warn`.
///
/// A bare level sets the default; `LABEL=LEVEL` sets the level of that logger and of every logger whose
/// label starts with `LABEL.`; the most specific rule wins.
public struct LogFilter: Sendable, Equatable {
    /// The bare level, if the directives had one.
    public var defaultLevel: LogLevel?
    /// Label prefixes and their levels.
    public var rules: [(label: String, level: LogLevel)]

    /// Parses directives; `source` names where they came from, for the error.
    public init(parsing text: String, source: String) throws(LogConfigError) {
        defaultLevel = nil
        rules = []
        for rawDirective in text.split(separator: ",", omittingEmptySubsequences: true) {
            let directive = rawDirective.trimmedOfBlanks()
            if directive.isEmpty { continue }
            if let equals = directive.firstIndex(of: "=") {
                let label = directive[..<equals].trimmedOfBlanks()
                let levelName = directive[directive.index(after: equals)...].trimmedOfBlanks()
                guard !label.isEmpty else {
                    throw .invalid("filter directive", value: directive, source: source, accepted: "LEVEL or LABEL=LEVEL")
                }
                guard let level = LogLevel(name: levelName) else {
                    throw .invalid("level in filter '\(directive)'", value: levelName, source: source, accepted: LogLevel.acceptedNames)
                }
                rules.append((label, level))
            } else {
                guard let level = LogLevel(name: directive) else {
                    throw .invalid("filter directive", value: directive, source: source, accepted: "LEVEL or LABEL=LEVEL, LEVEL one of \(LogLevel.acceptedNames)")
                }
                defaultLevel = level
            }
        }
    }

    /// The level of the logger `label`: its most specific rule, else `fallback`.
    public func level(for label: String, fallback: LogLevel) -> LogLevel {
        var best: (length: Int, level: LogLevel)?
        for rule in rules where label == rule.label || label.hasPrefix(rule.label + ".") {
            if best == nil || rule.label.count > best!.length { best = (rule.label.count, rule.level) }
        }
        return best?.level ?? fallback
    }

    public static func == (lhs: LogFilter, rhs: LogFilter) -> Bool {
        lhs.defaultLevel == rhs.defaultLevel && lhs.rules.elementsEqual(rhs.rules) { $0.label == $1.label && $0.level == $1.level }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmedOfBlanks() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
