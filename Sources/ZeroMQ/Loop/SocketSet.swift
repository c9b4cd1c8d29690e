/// The sockets of a `SocketLoop`, handed to closures that run on its thread
/// (`SocketLoop.run`, `Tick`). Not `Sendable`: it must not leave that thread.
public final class SocketSet {
    let ids: [SocketID]
    let sockets: [Socket]
    private let indexByID: [SocketID: Int]

    init(ids: [SocketID], sockets: [Socket]) {
        self.ids = ids
        self.sockets = sockets
        var index: [SocketID: Int] = [:]
        for (position, id) in ids.enumerated() { index[id] = position }
        indexByID = index
    }

    func index(of id: SocketID) -> Int? { indexByID[id] }

    /// The socket named `id`, or `nil`.
    public subscript(id: SocketID) -> Socket? {
        indexByID[id].map { sockets[$0] }
    }

    /// The socket named `id`, or `.invalidArgument`.
    public func socket(_ id: SocketID) throws(ZeroMQError) -> Socket {
        guard let socket = self[id] else {
            throw ZeroMQError(code: .invalidArgument, call: "SocketSet.socket", detail: "no socket named \(id)")
        }
        return socket
    }
}
