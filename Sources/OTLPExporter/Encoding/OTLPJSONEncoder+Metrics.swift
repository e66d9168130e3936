import JSONWriting

extension OTLPJSONEncoder {
    /// One `MetricsData` document holding `points`: one metric for each name, type and temporality (in the
    /// order first seen; a batch of several reads puts each stream's points together), each point a
    /// `NumberDataPoint` or `HistogramDataPoint`. Temporality: 1 delta, 2 cumulative.
    public func encode(metrics points: [MetricPoint]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + points.count * 260)
        out.append(#"{"resourceMetrics":[{"resource":"#)
        appendResource(&out)
        out.append(#","scopeMetrics":[{"scope":"#)
        appendScope(name: resource.scopeName, &out)
        out.append(#","metrics":["#)
        var order: [String] = []
        var groups: [String: [MetricPoint]] = [:]
        for point in points {
            let key = "\(point.name)\u{1F}\(point.kind)\u{1F}\(point.isDelta)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(point)
        }
        for (index, key) in order.enumerated() {
            if index > 0 { out.append(ascii: ",") }
            appendMetric(groups[key]![...], &out)
        }
        out.append("]}]}]}")
        return out
    }

    private func appendMetric(_ points: ArraySlice<MetricPoint>, _ out: inout [UInt8]) {
        let first = points.first!
        out.append(#"{"name":"#)
        out.append(jsonString: first.name)
        if !first.description.isEmpty {
            out.append(#","description":"#)
            out.append(jsonString: first.description)
        }
        if !first.unit.isEmpty {
            out.append(#","unit":"#)
            out.append(jsonString: first.unit)
        }
        switch first.kind {
        case .sum: out.append(#","sum":{"dataPoints":["#)
        case .gauge: out.append(#","gauge":{"dataPoints":["#)
        case .histogram: out.append(#","histogram":{"dataPoints":["#)
        }
        for (position, point) in points.enumerated() {
            if position > 0 { out.append(ascii: ",") }
            appendPoint(point, &out)
        }
        out.append("]")
        switch first.kind {
        case .sum(let monotonic):
            out.append(#","aggregationTemporality":"#)
            out.append(first.isDelta ? "1" : "2")
            if monotonic { out.append(#","isMonotonic":true"#) }
        case .histogram:
            out.append(#","aggregationTemporality":"#)
            out.append(first.isDelta ? "1" : "2")
        case .gauge: break
        }
        out.append("}}")
    }

    private func appendPoint(_ point: MetricPoint, _ out: inout [UInt8]) {
        out.append(ascii: "{")
        if !point.attributes.isEmpty {
            out.append(#""attributes":"#)
            Self.appendAttributes(point.attributes, &out)
            out.append(ascii: ",")
        }
        if point.startTimeUnixNano > 0 {
            out.append(#""startTimeUnixNano":""#)
            out.append(decimal: Int(clamping: point.startTimeUnixNano))
            out.append(#"","#)
        }
        out.append(#""timeUnixNano":""#)
        out.append(decimal: Int(clamping: point.timeUnixNano))
        out.append(ascii: "\"")
        switch point.value {
        case .int(let number):
            out.append(#","asInt":""#)
            out.append(decimal: Int(number))
            out.append(ascii: "\"")
        case .double(let number):
            out.append(#","asDouble":"#)
            Self.appendDouble(number, &out)
        case .histogram(let histogram):
            out.append(#","count":""#)
            out.append(decimal: Int(clamping: histogram.count))
            out.append(ascii: "\"")
            if let sum = histogram.sum {
                out.append(#","sum":"#)
                Self.appendDouble(sum, &out)
            }
            out.append(#","bucketCounts":["#)
            for (index, count) in histogram.bucketCounts.enumerated() {
                if index > 0 { out.append(ascii: ",") }
                out.append(ascii: "\"")
                out.append(decimal: Int(clamping: count))
                out.append(ascii: "\"")
            }
            out.append(#"],"explicitBounds":["#)
            for (index, bound) in histogram.bounds.enumerated() {
                if index > 0 { out.append(ascii: ",") }
                Self.appendDouble(bound, &out)
            }
            out.append("]")
            if let min = histogram.min {
                out.append(#","min":"#)
                Self.appendDouble(min, &out)
            }
            if let max = histogram.max {
                out.append(#","max":"#)
                Self.appendDouble(max, &out)
            }
        }
        out.append("}")
    }

    /// A double as protobuf's JSON mapping writes it: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    static func appendDouble(_ number: Double, _ out: inout [UInt8]) {
        if number.isNaN { out.append(#""NaN""#) }
        else if number.isInfinite { out.append(number > 0 ? #""Infinity""# : #""-Infinity""#) }
        else { out.append(number.description) }
    }
}
