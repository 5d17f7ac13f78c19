/// Reading query results (`PostgresRowSequence` and its `decode(_:)`) without a loop per call site.
extension AsyncSequence {
    /// Every element, in order; reads the sequence to its end.
    package func collect() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }

    /// The first element, or nil for an empty sequence; stops reading after it.
    package func firstElement() async throws -> Element? {
        for try await element in self { return element }
        return nil
    }

    /// How many elements there are; reads the sequence to its end.
    package func count() async throws -> Int {
        var count = 0
        for try await _ in self { count += 1 }
        return count
    }
}
