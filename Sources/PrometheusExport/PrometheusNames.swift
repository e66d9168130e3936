/// OpenTelemetry metric names and units as Prometheus names, per OpenTelemetry's "Prometheus and OpenMetrics
/// compatibility": characters other than letters, digits, `_` and `:` become `_` (runs of them one), a
/// leading digit gets `_` before it, the unit follows in its Prometheus word (`s` → `seconds`, `By` → `bytes`;
/// `{…}` annotations are dropped), and a counter ends in `_total`.
public enum PrometheusNames {
    /// The metric name for `name` with `unit`; `counter` adds `_total`.
    public static func metric(_ name: String, unit: String, counter: Bool) -> String {
        var base = sanitize(name, allowColon: true)
        if let word = unitWord(unit), !base.hasSuffix("_" + word) { base += "_" + word }
        if counter, !base.hasSuffix("_total") { base += "_total" }
        return base
    }

    /// A label name: letters, digits and `_` (`gen_ai.token.type` → `gen_ai_token_type`).
    public static func label(_ name: String) -> String { sanitize(name, allowColon: false) }

    /// The Prometheus word of a UCUM unit, nil for none (empty, or an annotation such as `{token}`).
    static func unitWord(_ unit: String) -> String? {
        switch unit {
        case "", "1": nil
        case "s": "seconds"
        case "ms": "milliseconds"
        case "us": "microseconds"
        case "ns": "nanoseconds"
        case "By": "bytes"
        case "KiBy": "kibibytes"
        case "MiBy": "mebibytes"
        case "%": "percent"
        default: unit.hasPrefix("{") ? nil : sanitize(unit, allowColon: false)
        }
    }

    private static func sanitize(_ text: String, allowColon: Bool) -> String {
        var result = ""
        var lastWasUnderscore = false
        for scalar in text.unicodeScalars {
            let keep = switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": true
            case ":": allowColon
            default: false
            }
            if keep {
                result.unicodeScalars.append(scalar)
                lastWasUnderscore = false
            } else if !lastWasUnderscore {
                result += "_"
                lastWasUnderscore = true
            }
        }
        if let first = result.unicodeScalars.first, ("0"..."9").contains(first) { result = "_" + result }
        return result.isEmpty ? "_" : result
    }
}
