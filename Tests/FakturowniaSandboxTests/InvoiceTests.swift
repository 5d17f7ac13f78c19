import FakturowniaSandbox
import Foundation
import NIOHTTP1
import Testing

/// Invoices (§4, §6, §7): creation, numbering, amounts as strings, public links, oid_unique,
/// update, delete, status change, e-mail and the error shapes.
@Suite struct InvoiceTests {
    static var thisMonth: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Warsaw")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return String(format: "%02d/%04d", parts.month!, parts.year!)
    }

    @Test func anInvoiceIsNumberedPerKindWithAmountsAsStrings() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let created = try await tenant.createInvoice([
                "positions": [
                    ["name": "Nocleg", "tax": 8, "total_price_gross": 216, "quantity": 2],
                    ["name": "Parking", "tax": 23, "total_price_gross": "123,00", "quantity": 1],
                    ["name": "Opłata miejscowa", "tax": "np", "total_price_gross": 10, "quantity": 1],
                ],
                "payment_to_kind": 5, "issue_date": "2026-01-10", "buyer_tax_no": "5252344078",
            ])
            #expect(created.status == 201)
            let invoice = created.object
            #expect(invoice["number"] as? String == "FV 1/01/2026")
            #expect(invoice["price_gross"] as? String == "349.00")
            #expect(invoice["price_net"] as? String == "310.00")
            #expect(invoice["price_tax"] as? String == "39.00")
            #expect(invoice["paid"] as? String == "0.00")
            #expect(invoice["status"] as? String == "issued")
            #expect(invoice["payment_to"] as? String == "2026-01-15")
            #expect(invoice["buyer_tax_no"] as? String == "5252344078")
            let positions = try #require(invoice["positions"] as? [[String: Any]])
            #expect(positions.map { $0["tax"] as? String } == ["8", "23", "np"])
            #expect(positions[0]["price_gross"] as? String == "108.00")
            #expect((invoice["token"] as? String)?.isEmpty == false)

            let second = try await tenant.createInvoice()
            #expect(second.object["number"] as? String == "FV 2/\(Self.thisMonth)")
            let proforma = try await tenant.createInvoice(["kind": "proforma"])
            #expect(proforma.object["number"] as? String == "PRO 1/\(Self.thisMonth)")
            #expect(proforma.object["payment_to"] as? String != nil)
        }
    }

    @Test func publicLinksNeedNoTokenAndThePDFIsAPDF() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let invoice = try await tenant.createInvoice().object
            let token = try #require(invoice["token"] as? String)
            let id = try #require(invoice["id"] as? Int)
            let html = try await client.send(.GET, "/hotel/invoice/\(token)")
            #expect(html.status == 200)
            #expect(html.text.contains("Jan Kowalski"))
            let pdf = try await client.send(.GET, "/hotel/invoice/\(token).pdf")
            #expect(pdf.status == 200)
            #expect(pdf.text.hasPrefix("%PDF-1.4"))
            #expect(pdf.headers.first(name: "Content-Type") == "application/pdf")
            #expect(try await client.send(.GET, "/hotel/invoice/unknown-token").status == 404)

            let byID = try await tenant.get("/invoices/\(id).pdf")
            #expect(byID.text.hasPrefix("%PDF"))
            #expect(try await client.send(.GET, "/hotel/invoices/\(id).pdf").status == 401)
            let json = try await tenant.get("/invoices/\(id).json")
            #expect(json.object["id"] as? Int == id)
            let missing = try await tenant.get("/invoices/999.json")
            #expect(missing.status == 404)
            #expect(missing.object["message"] as? String == "Not Found")
        }
    }

    @Test func validationErrorsAreFieldMapsInPolish() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let noBuyer = try await tenant.createInvoice(["buyer_name": NSNull()])
            #expect(noBuyer.status == 422)
            #expect(noBuyer.object["code"] as? String == "error")
            #expect(noBuyer.fieldErrors["buyer_name"] == ["nie może być puste"])
            let badTax = try await tenant.createInvoice(["positions": [["name": "X", "tax": 19, "total_price_gross": 10, "quantity": 1]]])
            #expect(badTax.fieldErrors["positions.tax"] == ["jest nieprawidłowe"])
            let noPositions = try await tenant.createInvoice(["positions": [Any]()])
            #expect(noPositions.fieldErrors["positions"] == ["nie może być puste"])
            // A private guest needs no buyer_name.
            let person = try await tenant.createInvoice(["buyer_name": NSNull(), "buyer_first_name": "Jan", "buyer_last_name": "Nowak", "buyer_company": false])
            #expect(person.status == 201)
        }
    }

    @Test func oidUniqueRefusesASecondInvoiceWithTheSameOid() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            #expect(try await tenant.createInvoice(["oid": "res-1", "oid_unique": "yes"]).status == 201)
            let again = try await tenant.createInvoice(["oid": "res-1", "oid_unique": "yes"])
            #expect(again.status == 422)
            #expect(again.fieldErrors["oid"] == ["zostało już zajęte"])
            // Without the flag a duplicate is accepted, as documented.
            #expect(try await tenant.createInvoice(["oid": "res-1"]).status == 201)
            let found = try await tenant.get("/invoices.json", ["oid": "res-1"])
            #expect(found.array.count == 2)
        }
    }

    @Test func aVATInvoiceIsCopiedFromAProforma() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let proforma = try await tenant.createInvoice(["kind": "proforma", "oid": "res-9", "currency": "EUR"]).object
            let proformaID = try #require(proforma["id"] as? Int)
            let vat = try await tenant.write(.POST, "/invoices.json", ["invoice": ["copy_invoice_from": proformaID, "kind": "vat"]])
            #expect(vat.status == 201)
            #expect(vat.object["kind"] as? String == "vat")
            #expect(vat.object["from_invoice_id"] as? Int == proformaID)
            #expect(vat.object["buyer_name"] as? String == "Jan Kowalski")
            #expect(vat.object["currency"] as? String == "EUR")
            #expect(vat.object["price_gross"] as? String == proforma["price_gross"] as? String)
            #expect((vat.object["number"] as? String)?.hasPrefix("FV 1/") == true)
            let unknown = try await tenant.write(.POST, "/invoices.json", ["invoice": ["copy_invoice_from": 1, "kind": "vat"]])
            #expect(unknown.status == 422)
        }
    }

    @Test func anUpdateEditsDeletesAndAppendsPositions() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let invoice = try await tenant.createInvoice([
                "positions": [
                    ["name": "A", "tax": 23, "total_price_gross": 123, "quantity": 1], ["name": "B", "tax": 23, "total_price_gross": 100, "quantity": 1],
                ]
            ]).object
            let id = try #require(invoice["id"] as? Int)
            let lines = try #require(invoice["positions"] as? [[String: Any]])
            let updated = try await tenant.write(
                .PUT, "/invoices/\(id).json",
                [
                    "invoice": [
                        "buyer_name": "Anna Nowak",
                        "positions": [
                            ["id": lines[0]["id"]!, "total_price_gross": 246], ["id": lines[1]["id"]!, "_destroy": 1],
                            ["name": "C", "tax": "zw", "total_price_gross": 50, "quantity": 1],
                        ],
                    ]
                ])
            #expect(updated.status == 200)
            #expect(updated.object["buyer_name"] as? String == "Anna Nowak")
            #expect((updated.object["positions"] as? [[String: Any]])?.map { $0["name"] as? String } == ["A", "C"])
            #expect(updated.object["price_gross"] as? String == "296.00")
            #expect(updated.object["number"] as? String == invoice["number"] as? String)
            #expect(try await tenant.write(.PUT, "/invoices/1.json", ["invoice": ["buyer_name": "X"]]).status == 404)
        }
    }

    @Test func deleteRemovesTheInvoice() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let id = try #require(try await tenant.createInvoice().object["id"] as? Int)
            #expect(try await tenant.delete("/invoices/\(id).json").status == 200)
            #expect(try await tenant.get("/invoices/\(id).json").status == 404)
            #expect(try await tenant.delete("/invoices/\(id).json").status == 404)
        }
    }

    @Test func changeStatusTakesTheTokenInTheQuery() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let id = try #require(try await tenant.createInvoice().object["id"] as? Int)
            let changed = try await client.send(.POST, "/hotel/invoices/\(id)/change_status.json", query: ["api_token": tenant.token, "status": "paid"])
            #expect(changed.status == 200)
            let invoice = try await tenant.get("/invoices/\(id).json").object
            #expect(invoice["status"] as? String == "paid")
            #expect(invoice["paid"] as? String == "216.00")
            let wrong = try await client.send(.POST, "/hotel/invoices/\(id)/change_status.json", query: ["api_token": tenant.token, "status": "done"])
            #expect(wrong.status == 422)
            #expect(wrong.fieldErrors["status"] == ["jest nieprawidłowe"])
        }
    }

    @Test func sendByEmailIsRecordedAndMarksTheInvoiceSent() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let id = try #require(try await tenant.createInvoice().object["id"] as? Int)
            let sent = try await client.send(
                .POST, "/hotel/invoices/\(id)/send_by_email.json", query: ["api_token": tenant.token, "email_cc": "desk@hotel.example", "email_pdf": "true"])
            #expect(sent.status == 200)
            #expect(sent.object["status"] as? String == "ok")
            let emails = try await client.send(.GET, "/__sandbox/emails").array
            #expect(emails.count == 1)
            #expect(emails.first?["to"] as? [String] == ["jan@guest.example"])
            #expect(emails.first?["cc"] as? [String] == ["desk@hotel.example"])
            #expect(emails.first?["invoice_id"] as? Int == id)
            #expect(try await tenant.get("/invoices/\(id).json").object["status"] as? String == "sent")

            await sandbox.state.updateConfiguration { $0.sendByEmailRefused = true }
            let refused = try await client.send(.POST, "/hotel/invoices/\(id)/send_by_email.json", query: ["api_token": tenant.token])
            #expect(refused.status == 200)
            #expect(refused.object["status"] as? String == "error")
            #expect((refused.object["message"] as? String)?.isEmpty == false)
            #expect(await sandbox.state.emails.count == 1)
        }
    }

    @Test func paymentsMakeAnInvoicePartialThenPaid() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let id = try #require(try await tenant.createInvoice().object["id"] as? Int)
            func pay(_ price: Any) async throws -> FakturowniaClient.Reply {
                try await tenant.write(
                    .POST, "/banking/payments.json",
                    ["banking_payment": ["invoice_id": id, "price": price, "paid": true, "kind": "api", "paid_date": "2026-02-01", "provider": "folio"]])
            }
            let first = try await pay(100)
            #expect(first.status == 201)
            #expect(first.object["price"] as? String == "100.00")
            var invoice = try await tenant.get("/invoices/\(id).json").object
            #expect(invoice["status"] as? String == "partial")
            #expect(invoice["paid"] as? String == "100.00")
            _ = try await pay("116.00")
            invoice = try await tenant.get("/invoices/\(id).json").object
            #expect(invoice["status"] as? String == "paid")
            #expect(invoice["paid"] as? String == "216.00")
            #expect(invoice["paid_date"] as? String == "2026-02-01")
            let paymentID = try #require(first.object["id"] as? Int)
            #expect(first.object["invoice_id"] as? Int == id)
            #expect(try await tenant.get("/banking/payment/\(paymentID).json").status == 200)
            #expect(try await tenant.get("/banking/payments/\(paymentID).json").status == 200)
            #expect(try await tenant.get("/banking/payments.json").array.count == 2)
            let noPrice = try await tenant.write(.POST, "/banking/payments.json", ["banking_payment": ["invoice_id": id]])
            #expect(noPrice.fieldErrors["price"] == ["nie może być puste"])
        }
    }
}
