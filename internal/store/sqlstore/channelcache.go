package sqlstore

import (
	"sync"
	"time"

	"github.com/confab/confab/internal/store"
)

// ChannelCacheTTL is how long a channel read by id is reused. Every
// message reads its channel several times (to check the token, to run the
// turn, to sign the delivery); channels change rarely. A change made
// through this process is seen at once (the entry is dropped); one made by
// another process sharing the database is seen within the TTL.
const ChannelCacheTTL = 2 * time.Second

// channelCache keeps recently read channels by id.
type channelCache struct {
	m sync.Map // id → cachedChannel
}

type cachedChannel struct {
	c  store.Channel
	at time.Time
}

func (cc *channelCache) get(id string) (store.Channel, bool) {
	v, ok := cc.m.Load(id)
	if !ok {
		return store.Channel{}, false
	}
	e := v.(cachedChannel)
	if time.Since(e.at) > ChannelCacheTTL {
		cc.m.Delete(id)
		return store.Channel{}, false
	}
	return e.c, true
}

func (cc *channelCache) put(c store.Channel) { cc.m.Store(c.ID, cachedChannel{c: c, at: time.Now()}) }

func (cc *channelCache) drop(id string) { cc.m.Delete(id) }
