"""Hand-written tool schemas for the intent/slot corpora (HWU64, SNIPS, CLINC150).

Each intent maps to a readable tool; each slot type it uses maps to a string parameter whose value
is copied verbatim from the utterance (so every parameter is a string and none is required: an
utterance may leave any slot out). A row whose slots are not all parameters of its tool is dropped
by the converters rather than silently losing information.

`BROAD_TOOLS` answer open questions (factoid, definitions, maths...). They are never offered as
candidates of a "no tool fits" row, because they could plausibly fit almost any chit-chat query.
"""

from __future__ import annotations

# slot type -> (parameter name, description)
SLOTS = {
    "date": ("date", "Date or day as the user says it, e.g. 'tomorrow', 'next friday'"),
    "time": ("time", "Clock time or duration as the user says it, e.g. 'seven am'"),
    "timeofday": ("time_of_day", "Part of the day, e.g. 'morning', 'tonight'"),
    "event_name": ("event_name", "Name or description of the event"),
    "alarm_type": ("alarm_type", "Kind of alarm, e.g. 'wake up'"),
    "general_frequency": ("frequency", "How often it repeats, e.g. 'every day'"),
    "time_zone": ("time_zone", "Time zone, e.g. 'PST'"),
    "change_amount": ("amount", "How much to change, e.g. 'by 20 percent', 'to fifty'"),
    "device_type": ("device", "Device, e.g. 'speaker', 'vacuum cleaner'"),
    "person": ("person", "Person's name"),
    "relation": ("relation", "Relation to the user, e.g. 'mom', 'boss'"),
    "place_name": ("place", "Place, city or address"),
    "meal_type": ("meal", "Meal, e.g. 'lunch'"),
    "food_type": ("food", "Dish or kind of food"),
    "ingredient": ("ingredient", "Ingredient"),
    "cooking_type": ("cooking_method", "Cooking method, e.g. 'grilled'"),
    "drink_type": ("drink", "Drink"),
    "email_address": ("email_address", "Email address"),
    "personal_info": ("info_type", "Which contact detail, e.g. 'phone number', 'birthday'"),
    "list_name": ("list_name", "Name of the list, e.g. 'shopping'"),
    "business_name": ("business_name", "Name of a business or company"),
    "business_type": ("business_type", "Kind of business, e.g. 'restaurant', 'pharmacy'"),
    "email_folder": ("folder", "Mailbox folder, e.g. 'inbox'"),
    "house_place": ("room", "Room of the house, e.g. 'kitchen'"),
    "coffee_type": ("coffee_type", "Kind of coffee, e.g. 'cappuccino'"),
    "color_type": ("color", "Light colour or scene, e.g. 'blue', 'warm'"),
    "player_setting": ("action", "Player action or setting, e.g. 'resume', 'shuffle'"),
    "artist_name": ("artist", "Artist or band"),
    "music_genre": ("genre", "Music genre"),
    "music_descriptor": ("mood", "Mood or descriptor, e.g. 'relaxing'"),
    "song_name": ("song", "Song title"),
    "playlist_name": ("playlist", "Playlist name"),
    "media_type": ("media", "Medium or app, e.g. 'twitter', 'podcast'"),
    "app_name": ("app", "App name"),
    "news_topic": ("topic", "News topic"),
    "audiobook_name": ("title", "Audiobook title"),
    "audiobook_author": ("author", "Author"),
    "game_name": ("game", "Game name"),
    "game_type": ("game_type", "Kind of game"),
    "podcast_descriptor": ("description", "Podcast topic or episode description"),
    "podcast_name": ("podcast", "Podcast name"),
    "radio_name": ("station", "Radio station"),
    "currency_name": ("currency", "Currency, e.g. 'dollars'"),
    "definition_word": ("word", "Word or term to define"),
    "movie_name": ("movie", "Movie title"),
    "movie_type": ("movie_type", "Kind of movie"),
    "joke_type": ("joke_type", "Kind of joke"),
    "order_type": ("order_type", "Delivery or takeaway"),
    "transport_type": ("transport_type", "Kind of transport, e.g. 'train', 'taxi'"),
    "transport_agency": ("company", "Transport company, e.g. 'uber'"),
    "transport_name": ("transport_name", "Name or number of the train/flight/bus"),
    "transport_descriptor": ("ticket_type", "Ticket details, e.g. 'return', 'first class'"),
    "weather_descriptor": ("condition", "Weather condition asked about, e.g. 'rain'"),
}

# HWU64 intent -> (tool name, description, slot types offered as parameters)
HWU64 = {
    "alarm_query": ("list_alarms", "List the alarms that are set.", ["date", "time", "timeofday", "event_name", "alarm_type"]),
    "alarm_remove": ("remove_alarm", "Delete an alarm.", ["time", "date", "timeofday", "alarm_type", "event_name"]),
    "alarm_set": ("set_alarm", "Set an alarm.", ["time", "date", "timeofday", "event_name", "alarm_type", "general_frequency"]),
    "audio_volume_down": ("volume_down", "Lower the speaker volume.", ["change_amount", "device_type"]),
    "audio_volume_mute": ("mute_audio", "Mute the speaker, optionally for a while.", ["time", "device_type", "timeofday", "date"]),
    "audio_volume_up": ("volume_up", "Raise the speaker volume.", ["change_amount", "device_type"]),
    "calendar_query": ("get_calendar_events", "Look up events in the user's calendar.", ["date", "event_name", "time", "timeofday", "person", "place_name", "relation"]),
    "calendar_remove": ("delete_calendar_event", "Delete events from the calendar.", ["date", "event_name", "time", "person", "meal_type", "timeofday", "general_frequency", "relation"]),
    "calendar_set": ("create_calendar_event", "Add an event or reminder to the calendar.", ["event_name", "date", "time", "person", "general_frequency", "relation", "timeofday", "place_name", "meal_type"]),
    "cooking_recipe": ("find_recipe", "Find a recipe or cooking instructions.", ["food_type", "ingredient", "cooking_type", "drink_type", "meal_type"]),
    "datetime_convert": ("convert_time_zone", "Convert a time between time zones or places.", ["place_name", "time_zone", "time"]),
    "datetime_query": ("get_date_time", "Tell the current date or time, optionally somewhere else.", ["date", "place_name", "time_zone", "event_name"]),
    "email_addcontact": ("add_email_contact", "Save an email address to the contacts.", ["email_address", "person", "relation"]),
    "email_query": ("check_emails", "Check the email inbox.", ["person", "email_folder", "relation", "date", "time", "business_name", "timeofday"]),
    "email_querycontact": ("get_contact_info", "Look up a contact's details.", ["person", "personal_info", "relation"]),
    "email_sendemail": ("send_email", "Write and send an email.", ["person", "relation", "date", "email_address", "event_name", "timeofday", "time"]),
    "iot_cleaning": ("start_vacuum", "Start the robot vacuum cleaner.", ["device_type", "house_place", "time", "date"]),
    "iot_coffee": ("make_coffee", "Make coffee with the coffee machine.", ["coffee_type", "device_type", "time"]),
    "iot_hue_lightchange": ("set_light_color", "Change the colour of the smart lights.", ["color_type", "house_place", "change_amount"]),
    "iot_hue_lightdim": ("dim_lights", "Dim the smart lights.", ["house_place", "change_amount"]),
    "iot_hue_lightoff": ("lights_off", "Turn the smart lights off.", ["house_place", "device_type", "time"]),
    "iot_hue_lighton": ("lights_on", "Turn the smart lights on.", ["house_place", "device_type"]),
    "iot_hue_lightup": ("brighten_lights", "Make the smart lights brighter.", ["house_place", "change_amount", "device_type"]),
    "iot_wemo_off": ("smart_plug_off", "Switch a smart plug (and what is plugged in) off.", ["device_type", "house_place", "time"]),
    "iot_wemo_on": ("smart_plug_on", "Switch a smart plug (and what is plugged in) on.", ["device_type", "house_place"]),
    "lists_createoradd": ("add_to_list", "Create a list or add an item to one.", ["list_name", "date", "event_name", "person"]),
    "lists_query": ("get_list", "Read out a list or the user's lists.", ["list_name", "date"]),
    "lists_remove": ("remove_from_list", "Delete a list or remove an item from one.", ["list_name", "date", "person"]),
    "music_likeness": ("save_music_preference", "Remember which music the user likes or dislikes.", ["artist_name", "music_genre", "music_descriptor", "song_name", "playlist_name"]),
    "music_query": ("identify_music", "Tell what song or artist is playing.", ["artist_name", "song_name", "music_genre"]),
    "music_settings": ("set_music_playback", "Change music playback settings, e.g. shuffle or repeat.", ["player_setting", "device_type", "media_type", "music_genre", "artist_name", "song_name", "playlist_name"]),
    "news_query": ("get_news", "Get news headlines.", ["news_topic", "media_type", "place_name", "date", "person"]),
    "play_audiobook": ("play_audiobook", "Play or resume an audiobook.", ["player_setting", "audiobook_name", "media_type", "audiobook_author"]),
    "play_game": ("play_game", "Start a game.", ["game_name", "game_type"]),
    "play_music": ("play_music", "Play music.", ["artist_name", "song_name", "music_genre", "playlist_name", "music_descriptor", "player_setting", "media_type"]),
    "play_podcasts": ("play_podcast", "Play a podcast episode.", ["podcast_descriptor", "podcast_name", "player_setting", "person", "date"]),
    "play_radio": ("play_radio", "Play a radio station.", ["radio_name", "app_name", "music_genre", "person", "media_type"]),
    "qa_currency": ("convert_currency", "Get an exchange rate or convert money between currencies.", ["currency_name", "date", "place_name"]),
    "qa_definition": ("define_word", "Give the definition of a word.", ["definition_word"]),
    "qa_factoid": ("answer_factual_question", "Answer a general factual question.", ["person", "place_name", "artist_name", "event_name"]),
    "qa_maths": ("calculate", "Solve an arithmetic question.", []),
    "qa_stock": ("get_stock_price", "Get the stock price of a company.", ["business_name", "date"]),
    "recommendation_events": ("find_events", "Recommend events happening nearby.", ["place_name", "date", "event_name", "timeofday"]),
    "recommendation_locations": ("find_places", "Recommend shops, restaurants or other places nearby.", ["business_type", "place_name", "food_type", "business_name"]),
    "recommendation_movies": ("recommend_movies", "Recommend movies to watch.", ["movie_name", "movie_type", "place_name", "date"]),
    "social_post": ("post_to_social_media", "Post a message or complaint on social media.", ["media_type", "business_name", "person", "relation"]),
    "social_query": ("check_social_media", "Check social media updates.", ["media_type", "date", "person", "relation"]),
    "takeaway_order": ("order_takeaway", "Order food for delivery or takeaway.", ["food_type", "business_name", "order_type", "business_type", "meal_type", "time"]),
    "takeaway_query": ("check_takeaway_order", "Ask about a takeaway order or whether a restaurant delivers.", ["order_type", "business_name", "business_type", "food_type"]),
    "transport_query": ("get_transport_info", "Get public transport or travel information.", ["place_name", "transport_type", "date", "transport_name", "time", "timeofday"]),
    "transport_taxi": ("book_taxi", "Book a taxi or ride.", ["transport_type", "transport_agency", "place_name", "time", "date", "timeofday"]),
    "transport_ticket": ("book_train_ticket", "Book a train or other travel ticket.", ["transport_type", "place_name", "date", "time", "timeofday", "transport_descriptor", "transport_name"]),
    "transport_traffic": ("get_traffic", "Get traffic conditions on a route.", ["place_name", "date", "timeofday", "time"]),
    "weather_query": ("get_weather", "Get the weather forecast.", ["weather_descriptor", "date", "place_name", "timeofday", "time"]),
}

# SNIPS slot -> (parameter, description), per intent
SNIPS = {
    "AddToPlaylist": ("add_to_playlist", "Add a song, album or artist to a playlist.", {
        "entity_name": ("item", "Song, album or other item to add"),
        "music_item": ("item_type", "Kind of item, e.g. 'song', 'album', 'artist'"),
        "artist": ("artist", "Artist"),
        "playlist": ("playlist", "Playlist name"),
        "playlist_owner": ("playlist_owner", "Whose playlist, e.g. 'my'"),
    }),
    "BookRestaurant": ("book_restaurant", "Reserve a table at a restaurant.", {
        "restaurant_name": ("restaurant_name", "Restaurant name"),
        "restaurant_type": ("restaurant_type", "Kind of place, e.g. 'bar', 'pizzeria'"),
        "cuisine": ("cuisine", "Cuisine"),
        "served_dish": ("dish", "Dish the place should serve"),
        "party_size_number": ("party_size", "Number of people"),
        "party_size_description": ("party_description", "Who is coming, e.g. 'me and my wife'"),
        "timeRange": ("time", "Date or time of the booking"),
        "city": ("city", "City"), "state": ("state", "State"), "country": ("country", "Country"),
        "poi": ("near", "Point of interest the restaurant should be near"),
        "spatial_relation": ("distance", "Distance constraint, e.g. 'close by'"),
        "sort": ("sort", "Preference, e.g. 'best', 'popular'"),
        "facility": ("facility", "Required facility, e.g. 'wifi'"),
    }),
    "GetWeather": ("get_weather_forecast", "Get the weather forecast for a place and time.", {
        "city": ("city", "City"), "state": ("state", "State"), "country": ("country", "Country"),
        "geographic_poi": ("landmark", "Landmark or natural area"),
        "current_location": ("current_location", "Reference to the user's location, e.g. 'here'"),
        "timeRange": ("time", "Date or time"),
        "condition_description": ("condition", "Condition asked about, e.g. 'rain'"),
        "condition_temperature": ("temperature", "Temperature asked about, e.g. 'cold'"),
        "spatial_relation": ("distance", "Distance constraint, e.g. 'nearby'"),
    }),
    "PlayMusic": ("play_song", "Play music on a streaming service.", {
        "artist": ("artist", "Artist"), "track": ("track", "Song title"), "album": ("album", "Album"),
        "playlist": ("playlist", "Playlist"), "genre": ("genre", "Genre"), "year": ("year", "Year or decade"),
        "music_item": ("item_type", "Kind of item, e.g. 'song', 'album'"),
        "service": ("service", "Streaming service, e.g. 'Spotify'"),
        "sort": ("sort", "Preference, e.g. 'newest', 'top'"),
    }),
    "RateBook": ("rate_book", "Give a rating to a book or other work.", {
        "object_name": ("title", "Title"), "object_type": ("item_type", "Kind of work, e.g. 'novel'"),
        "object_select": ("which", "Which one, e.g. 'this', 'current'"),
        "object_part_of_series_type": ("series_type", "Series type, e.g. 'saga'"),
        "rating_value": ("rating", "Rating given"), "best_rating": ("best_rating", "Top of the scale"),
        "rating_unit": ("rating_unit", "Unit, e.g. 'stars', 'points'"),
    }),
    "SearchCreativeWork": ("search_creative_work", "Find a book, song, film, game or TV show.", {
        "object_name": ("title", "Title"), "object_type": ("item_type", "Kind of work, e.g. 'TV show'"),
    }),
    "SearchScreeningEvent": ("find_movie_showtimes", "Find movie showtimes at cinemas.", {
        "movie_name": ("movie", "Movie title"), "movie_type": ("movie_type", "Kind of movie"),
        "object_type": ("item_type", "What is searched, e.g. 'movie schedule'"),
        "location_name": ("cinema", "Cinema name"), "object_location_type": ("place_type", "Kind of place, e.g. 'movie house'"),
        "spatial_relation": ("distance", "Distance constraint, e.g. 'nearest'"),
        "timeRange": ("time", "Date or time"),
    }),
}

# CLINC150 in-scope intents used as selection rows: only intents whose natural tool takes no
# arguments, so an empty argument object is the complete, correct call.
CLINC_NO_ARG = {
    "flip_coin": ("flip_coin", "Flip a coin and say heads or tails."),
    "current_location": ("get_current_location", "Tell the user where they currently are."),
    "what_song": ("identify_song", "Identify the song that is currently playing."),
    "find_phone": ("find_my_phone", "Make the user's phone ring so it can be found."),
    "pto_balance": ("get_pto_balance", "Get how many paid-time-off days the user has left."),
    "credit_score": ("get_credit_score", "Get the user's current credit score."),
    "sync_device": ("sync_phone", "Sync the assistant with the user's phone."),
    "reset_settings": ("reset_settings", "Reset the assistant to factory settings."),
    "whisper_mode": ("toggle_whisper_mode", "Switch the assistant's whisper mode on or off."),
    "travel_alert": ("get_travel_alerts", "Get current travel advisories and alerts."),
}

BROAD_TOOLS = {"answer_factual_question", "define_word", "calculate", "search_creative_work"}


def _tool(name: str, desc: str, params: list[tuple[str, str]]) -> dict:
    props = {p: {"type": "string", "description": d} for p, d in params}
    return {"name": name, "description": desc, "parameters": {"type": "object", "properties": props}}


def hwu64_tool(intent: str) -> dict:
    name, desc, slots = HWU64[intent]
    return _tool(name, desc, [SLOTS[s] for s in slots])


def snips_tool(intent: str) -> dict:
    name, desc, slots = SNIPS[intent]
    return _tool(name, desc, list(slots.values()))


def clinc_tool(intent: str) -> dict:
    name, desc = CLINC_NO_ARG[intent]
    return _tool(name, desc, [])


def all_intent_tools() -> list[dict]:
    """Every hand-written tool, sorted by name (the distractor pool for intent corpora)."""
    tools = [hwu64_tool(i) for i in HWU64] + [snips_tool(i) for i in SNIPS] + [clinc_tool(i) for i in CLINC_NO_ARG]
    return sorted(tools, key=lambda t: t["name"])


def no_call_candidates() -> list[dict]:
    """Tools that may be offered on a "no tool fits" row (no catch-all question answerers)."""
    return [t for t in all_intent_tools() if t["name"] not in BROAD_TOOLS]
