package testmail

// WithAttachment returns a small message as a Japanese mail app sends it:
// ISO-2022-JP name, Subject and text ("会定の件です。"), and a PDF attachment
// named mitsumori.pdf. The app's reading pane and mailtext.ForDisplay read it.
func WithAttachment() []byte { return []byte(withAttachment) }

const withAttachment = "From: =?ISO-2022-JP?B?GyRCO3NFRBsoQiAbJEIyVktSGyhC?= <hanako@example.jp>\r\n" +
	"Subject: =?ISO-2022-JP?B?GyRCMnFEajt+GyhC?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
	"\x1b$B2qDj$N7o$G$9!#\x1b(B\r\n" +
	"--b1\r\nContent-Type: application/pdf; name=\"mitsumori.pdf\"\r\nContent-Disposition: attachment; filename=\"mitsumori.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
