package testmail

import "strings"

// Broken returns malformed messages that a backup must still store and
// give back byte for byte. Want is nil; Note says what is wrong.
func Broken() []Fixture {
	plain := func(name string, extra ...string) []string {
		h := []string{"From: Taro Tanaka <taro.tanaka@example.co.jp>", "To: hanako@example.jp", "Subject: " + name}
		h = append(h, extra...)
		return append(h, "Date: Mon, 10 Jun 2024 10:15:00 +0900", "Message-ID: <"+name+"@testmail.example>")
	}
	noID := []string{"From: Taro Tanaka <taro.tanaka@example.co.jp>", "To: hanako@example.jp", "Subject: no Message-ID", "Date: Mon, 10 Jun 2024 10:15:00 +0900"}
	dupID := func(subject string) []string {
		return []string{"From: Taro Tanaka <taro.tanaka@example.co.jp>", "To: hanako@example.jp", "Subject: " + subject,
			"Date: Mon, 10 Jun 2024 10:15:00 +0900", "Message-ID: <same-id@testmail.example>"}
	}
	long := "X-Long: " + strings.Repeat("abcdefghij", 199) + "xyz" // 2011 characters on one line
	nested := "--outer\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"See the forwarded message.\r\n" +
		"--outer\r\n" +
		"Content-Type: message/rfc822\r\n\r\n" +
		"From: Ichiro Suzuki <ichiro@example.co.jp>\r\nSubject: inner\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\nFrom the inner message.\r\n" +
		"--inner\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: deep@example.com\r\nSubject: innermost\r\n\r\ninnermost body\r\n" +
		"--inner--\r\n" +
		"--outer--\r\n"

	return []Fixture{
		{Name: "no-message-id", Note: "No Message-ID field: the archive needs another identity (for example a hash of the bytes).",
			Raw: mk(noID, "Hello.\r\n")},
		{Name: "duplicate-message-id-1", Note: "Same Message-ID as duplicate-message-id-2, different bytes: both must be kept.",
			Raw: mk(dupID("first of two"), "First message.\r\n")},
		{Name: "duplicate-message-id-2", Note: "Same Message-ID as duplicate-message-id-1, different bytes.",
			Raw: mk(dupID("second of two"), "Second message, not the same.\r\n")},
		{Name: "bare-lf", Note: "LF line ends throughout, as some servers store mail.",
			Raw: []byte(strings.ReplaceAll(string(mk(plain("bare-lf"), "line one\r\nline two\r\n")), "\r\n", "\n"))},
		{Name: "mixed-line-ends", Note: "CRLF in the header, LF in the body.",
			Raw: mk(plain("mixed-line-ends"), "line one\nline two\n")},
		{Name: "bare-cr", Note: "A bare CR inside a line and CR alone as a line end.",
			Raw: mk(plain("bare-cr"), "before\rafter\r\nold Mac line\rnext\r\n")},
		{Name: "nul-bytes", Note: "NUL bytes in a header value and in the body.",
			Raw: mk(plain("nul-bytes", "X-Junk: a\x00b"), "zero\x00byte\r\n\x00\x00\r\n")},
		{Name: "8bit-junk-headers", Note: "Bytes that are valid in no charset (0x80, 0xFE, 0xFF) in the Subject and the From name.",
			Raw: mk([]string{"From: J\xfcrgen \xff\xfe <jurgen@example.de>", "To: hanako@example.jp", "Subject: caf\xe9 \x80\x81\xff",
				"Date: Mon, 10 Jun 2024 10:15:00 +0900", "Message-ID: <8bit-junk-headers@testmail.example>"}, "body\r\n")},
		{Name: "long-header-line", Note: "A header line of over 2000 characters, never folded.",
			Raw: mk(plain("long-header-line", long), "body\r\n")},
		{Name: "from-line-in-body", Note: "Body lines that start with \"From \": mbox must quote them as \">From \" and unquote them on reading.",
			Raw: mk(plain("from-line-in-body"), "From the start of the body.\r\n\r\nFrom here on, more.\r\nFrom \r\n")},
		{Name: "quoted-from-lines", Note: "Body lines that already start with \">From \" and \">>From \": mboxrd adds one more \">\" and takes it away again.",
			Raw: mk(plain("quoted-from-lines"), ">From the quoted text.\r\n>>From deeper.\r\n> From with a space.\r\n")},
		{Name: "starts-with-from-line", Note: "The message itself starts with an mbox \"From \" line, as some servers return it.",
			Raw: append([]byte("From taro.tanaka@example.co.jp Mon Jun 10 10:15:00 2024\r\n"), mk(plain("starts-with-from-line"), "body\r\n")...)},
		{Name: "nested-rfc822", Note: "A forwarded message inside a forwarded message (message/rfc822 in message/rfc822), with a \"From \" line inside.",
			Raw: mk(plain("nested-rfc822", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"outer\""), nested)},
		{Name: "empty", Note: "Zero bytes.", Raw: []byte{}},
		{Name: "no-final-newline", Note: "The last line has no line end.",
			Raw: mk(plain("no-final-newline"), "no newline at the end")},
		{Name: "headers-only", Note: "Header fields only: no blank line, no body.",
			Raw: []byte(strings.Join(plain("headers-only"), "\r\n") + "\r\n")},
		{Name: "empty-body", Note: "Header fields and the blank line, then nothing.",
			Raw: mk(plain("empty-body"), "")},
		{Name: "trailing-blank-lines", Note: "Blank lines at the end, which an mbox writer must not eat or add to.",
			Raw: mk(plain("trailing-blank-lines"), "body\r\n\r\n\r\n\r\n")},
		{Name: "unterminated-multipart", Note: "A multipart body whose closing boundary never comes.",
			Raw: mk(plain("unterminated-multipart", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b1\""),
				"--b1\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n")},
		{Name: "bad-base64-body", Note: "A base64 body with characters outside the alphabet and a missing pad.",
			Raw: mk(plain("bad-base64-body", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"), "5Lya6K2w!!!5LqG\r\n5a6a\r\n")},
		{Name: "no-header", Note: "Text with no header at all.",
			Raw: []byte("just some text\r\nwith two lines\r\n")},
	}
}
