extension QRCode {
    /// The code as a standalone SVG document: one path of dark runs on a white square, one unit per
    /// module, so that it scales to any size without blurring.
    ///
    /// - Parameter quietZone: the white margin in modules; readers need 4.
    package func svg(quietZone: Int = 4) -> String {
        let side = size + 2 * quietZone
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                // One horizontal run per stroke keeps the document a fraction of one square per module.
                let start = x
                while x < size, isDark(x: x, y: y) { x += 1 }
                path += "M\(start + quietZone) \(y + quietZone)h\(x - start)v1h-\(x - start)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * 8)" height="\(side * 8)" \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>

            """
    }
}
