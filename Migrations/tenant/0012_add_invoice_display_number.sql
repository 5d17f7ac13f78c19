-- The order number the host chose for the guest's payment page, shown back in answers.
ALTER TABLE invoices ADD COLUMN display_number text;
