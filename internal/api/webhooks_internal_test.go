package api

import "testing"

func FuzzDecodeWebhookRequest(f *testing.F) {
	fuzzDecode[webhookRequest](f, true,
		`{"url":"https://crm.example.com/confab/events","events":["message.received","handover.requested"],"description":"CRM inbox"}`,
		`{"url":"https://audit.example.com/hooks","events":["*"]}`,
		`{"url":"https://x.example.com/","events":"*"}`,
		`{"url":"https://x.example.com/","events":["*"],"rotateSecret":true}`,
		`{"URL":"https://x.example.com/","events":[]}`,
		`{"events":[1,null]}`,
	)
}

func FuzzDecodeWebhookUpdate(f *testing.F) {
	fuzzDecode[webhookUpdate](f, true,
		`{"events":["*"]}`,
		`{"rotateSecret":true,"enable":true}`,
		`{"url":"https://y.example.com/","description":"","events":["conversation.ended"]}`,
		`{"enable":"yes"}`,
		`{"rotateSecret":true,"rotateSecret":false}`,
	)
}
