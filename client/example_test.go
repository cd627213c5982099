package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/confab/confab/client"
)

// An application makes a channel with the project's admin token, then
// sends its users' messages with the channel's token.
func Example() {
	url, stop := startExampleServer() // a Confab server, such as http://127.0.0.1:8080
	defer stop()
	ctx := context.Background()

	admin := client.New(url, exampleAdminToken)
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{
		ChannelID:  "support",
		Bot:        "echo",
		WebhookURL: "https://hooks.example.com/confab",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("channel:", ch.ChannelID, "token shown once:", ch.Token != "")

	users := client.New(url, ch.Token)
	sent, err := users.SendMessage(ctx, client.SendMessageRequest{
		ChannelID: ch.ChannelID,
		Message:   "hello",
		SenderID:  "customer-42",
	}, client.IdempotencyKey("customer-42/message-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored for user", sent.UserID)

	_, err = admin.GetChannel(ctx, "sales")
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Detail)
	}

	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi", UserID: 1, SenderID: "customer-42"})
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Message)
	}
	// Output:
	// channel: support token shown once: true
	// stored for user 1
	// 404 not found
	// 400 /senderID: give userID or senderID, not both
}
