/// Small inline SVG charts for the HTML pages: horizontal bars (one row a label, one or more bars a row) and
/// columns over time. Plain SVG, no script: they render wherever the page opens.
enum HTMLCharts {
    /// One bar of a row: its value, its CSS class, and the text shown after it.
    struct Bar {
        var value: Double
        var cssClass: String
        var text: String
    }

    /// Horizontal bars: a row a label, its bars stacked under one another, scaled to the largest value.
    static func bars(_ rows: [(label: String, bars: [Bar])], width: Int = 760, label: String) -> String {
        let labelWidth = 220, barHeight = 14, gap = 8
        let rowHeight = rows.map { $0.bars.count }.max().map { $0 * (barHeight + 2) + gap } ?? 24
        let height = rows.count * rowHeight + 8
        let largest = max(rows.flatMap { $0.bars.map(\.value) }.max() ?? 1, 1e-9)
        let room = Double(width - labelWidth - 170)
        var svg = "<svg class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\">\n"
        for (index, row) in rows.enumerated() {
            let top = 6 + index * rowHeight
            let shown = row.label.count > 30 ? String(row.label.prefix(29)) + "…" : row.label
            svg += "<text x=\"8\" y=\"\(top + barHeight - 2)\">\(HTMLText.escape(shown))</text>"
            for (place, bar) in row.bars.enumerated() {
                let y = top + place * (barHeight + 2)
                let w = bar.value > 0 ? max(Int((bar.value / largest * room).rounded()), 1) : 0
                svg += "<rect class=\"col \(bar.cssClass)\" x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(w)\" height=\"\(barHeight)\" rx=\"2\"><title>\(HTMLText.escape(row.label + ": " + bar.text))</title></rect>"
                svg += "<text class=\"ticklabel\" x=\"\(labelWidth + w + 6)\" y=\"\(y + barHeight - 3)\">\(HTMLText.escape(bar.text))</text>"
            }
            svg += "\n"
        }
        return svg + "</svg>\n"
    }

    /// Columns: how many things happened in each of `counts`' equal slices of time, with the first and last
    /// slice's times under them.
    static func columns(_ counts: [Int], start: String, end: String, width: Int = 760, label: String) -> String {
        let height = 150, bottom = 120, left = 40
        let largest = max(counts.max() ?? 1, 1)
        let slot = Double(width - left - 10) / Double(max(counts.count, 1))
        var svg = "<svg class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\">\n"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(width - 10)\" y2=\"\(bottom)\"/>"
        svg += "<text class=\"ticklabel\" x=\"\(left - 6)\" y=\"16\" text-anchor=\"end\">\(largest)</text><text class=\"ticklabel\" x=\"\(left - 6)\" y=\"\(bottom)\" text-anchor=\"end\">0</text>\n"
        for (index, count) in counts.enumerated() {
            let h = Int(Double(count) / Double(largest) * Double(bottom - 12))
            let x = left + Int(Double(index) * slot) + 1
            svg += "<rect class=\"col\" x=\"\(x)\" y=\"\(bottom - h)\" width=\"\(max(Int(slot) - 2, 1))\" height=\"\(h)\"><title>\(count)</title></rect>"
        }
        svg += "\n<text class=\"ticklabel\" x=\"\(left)\" y=\"\(bottom + 16)\">\(HTMLText.escape(start))</text>"
        svg += "<text class=\"ticklabel\" x=\"\(width - 10)\" y=\"\(bottom + 16)\" text-anchor=\"end\">\(HTMLText.escape(end))</text>\n"
        return svg + "</svg>\n"
    }
}
