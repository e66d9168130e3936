/// The order of a line's fields: some keys first, in a given order (ECL's correlation fields), then the rest
/// by name.
public struct FieldOrder: Sendable, Equatable {
    /// The keys that come first, in this order.
    public var leadingKeys: [String]

    /// An order with `leadingKeys` first; by name alone when empty.
    public init(leadingKeys: [String] = []) { self.leadingKeys = leadingKeys }

    /// A key's place among the leading keys; every other key ranks after them.
    @inline(__always)
    func rank(_ key: String) -> Int {
        let length = key.utf8.count
        for (index, leading) in leadingKeys.enumerated() where leading.utf8.count == length && leading == key { return index }
        return leadingKeys.count
    }
}
