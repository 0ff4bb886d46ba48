"""~80 hand-written, realistic tools for everyday assistant domains (JSON Schema parameters).

Smart home, messaging, calendar/timers/alarms, media, navigation, weather, shopping, finance,
developer tools, files, notes, travel, fitness. Each tool carries ``source: "handwritten"``.
"""

from __future__ import annotations


def S(desc, **kw):
    return {"type": "string", "description": desc, **kw}


def I(desc, lo=None, hi=None, **kw):
    d = {"type": "integer", "description": desc}
    if lo is not None:
        d["minimum"] = lo
    if hi is not None:
        d["maximum"] = hi
    d.update(kw)
    return d


def N(desc, lo=None, hi=None, **kw):
    d = {"type": "number", "description": desc}
    if lo is not None:
        d["minimum"] = lo
    if hi is not None:
        d["maximum"] = hi
    d.update(kw)
    return d


def B(desc, **kw):
    return {"type": "boolean", "description": desc, **kw}


def E(desc, values, **kw):
    return {"type": "string", "description": desc, "enum": list(values), **kw}


def A(desc, items, **kw):
    return {"type": "array", "description": desc, "items": items, **kw}


def O(desc, props, required=()):
    d = {"type": "object", "description": desc, "properties": props}
    if required:
        d["required"] = list(required)
    return d


def T(name, desc, props, required=()):
    p = {"type": "object", "properties": props}
    if required:
        p["required"] = list(required)
    t = {"name": name, "description": desc, "parameters": p, "source": "handwritten"}
    if name in HINTS:
        t["hints"] = HINTS[name]
    return t


# value categories (see values.py) for parameters whose name alone is ambiguous; never emitted in rows
HINTS = {
    "set_lights": {"room": "room", "color": "color"},
    "lock_door": {"door": "door"},
    "control_device": {"device": "device"},
    "start_vacuum": {"rooms": "room"},
    "arm_security_system": {"pin": "id"},
    "send_message": {"recipient": "person", "message": "message"},
    "send_email": {"to": "email", "cc": "email", "body": "message"},
    "make_phone_call": {"contact": "person"},
    "send_whatsapp_message": {"to": "person", "text": "message"},
    "post_to_slack": {"channel": "slack_channel", "thread_ts": "id"},
    "read_messages": {"contact": "person"},
    "set_alarm": {"label": "label", "time": "time"},
    "set_timer": {"label": "label"},
    "create_calendar_event": {"title": "event_title", "attendees": "email"},
    "get_calendar_events": {"date": "date"},
    "cancel_event": {"title": "event_title"},
    "create_reminder": {"text": "task", "when": "datetime"},
    "add_todo": {"task": "task", "list_name": "tag"},
    "play_music": {"query": "music_query", "device": "speaker"},
    "set_volume": {"device": "speaker"},
    "pause_playback": {"device": "speaker"},
    "play_podcast": {"podcast": "podcast"},
    "play_movie": {"title": "movie", "device": "tv"},
    "add_to_playlist": {"playlist": "playlist"},
    "find_nearby": {"category": "place_kind"},
    "get_weather": {"location": "city"},
    "share_location": {"contact": "person"},
    "add_to_shopping_list": {"items": "grocery"},
    "search_products": {"query": "product"},
    "order_food": {"items": "food", "delivery_address": "address"},
    "find_recipe": {"query": "food", "ingredients": "ingredient"},
    "reorder_last_purchase": {"product": "product"},
    "transfer_money": {"note": "free_text"},
    "pay_bill": {"payee": "payee"},
    "list_transactions": {"category": "spend_category"},
    "create_github_issue": {"body": "free_text", "labels": "tag"},
    "list_pull_requests": {"author": "username"},
    "run_tests": {"path": "test_path", "filter": "word"},
    "deploy_service": {"version": "version"},
    "run_sql_query": {"database": "database", "query": "sql"},
    "create_branch": {"name": "branch", "from_branch": "branch"},
    "search_files": {"query": "word", "folder": "path"},
    "create_note": {"title": "named", "content": "note", "tags": "tag"},
    "compress_files": {"files": "filename", "archive_name": "filename"},
    "get_flight_status": {"flight_number": "airplane", "date": "date"},
    "translate_text": {"text": "message"},
    "rent_car": {"pickup_location": "location"},
    "log_meal": {"food": "food"},
    "book_appointment": {"provider": "provider", "reason": "visit_reason"},
    "calculate": {"expression": "expression"},
    "search_web": {"query": "query"},
    "get_news": {"topic": "topic"},
    "set_do_not_disturb": {"until": "time"},
    "get_definition": {"word": "word"},
}


HANDWRITTEN_TOOLS = [
    # ---------------------------------------------------------------- smart home
    T("set_lights", "Turn lights on or off in a room and optionally set brightness and color.",
      {"room": S("Room name, e.g. kitchen or living room"),
       "on": B("True to turn the lights on, false to turn them off"),
       "brightness": I("Brightness in percent", 0, 100),
       "color": S("Light color name, e.g. warm white or blue")}, ["room", "on"]),
    T("set_thermostat", "Set the target temperature of the thermostat.",
      {"temperature": N("Target temperature in degrees", 10, 90),
       "unit": E("Temperature unit", ["celsius", "fahrenheit"]),
       "mode": E("Operating mode", ["heat", "cool", "auto", "off"]),
       "room": S("Room or zone of the thermostat")}, ["temperature"]),
    T("lock_door", "Lock or unlock a smart door lock.",
      {"door": S("Which door, e.g. front door, back door, garage"),
       "locked": B("True to lock, false to unlock")}, ["door", "locked"]),
    T("control_device", "Turn a smart home device on or off.",
      {"device": S("Device name, e.g. TV, ceiling fan, coffee machine"),
       "action": E("What to do with the device", ["turn_on", "turn_off", "toggle"]),
       "room": S("Room the device is in")}, ["device", "action"]),
    T("start_vacuum", "Start the robot vacuum cleaner.",
      {"rooms": A("Rooms to clean; all rooms when empty", {"type": "string"}),
       "mode": E("Cleaning mode", ["quiet", "standard", "turbo"])}, []),
    T("set_scene", "Activate a smart home scene.",
      {"scene": E("Scene to activate", ["movie night", "good morning", "good night", "away", "dinner", "party"])},
      ["scene"]),
    T("arm_security_system", "Arm or disarm the home security system.",
      {"mode": E("Arming mode", ["away", "stay", "disarmed"]),
       "pin": S("Four digit security PIN")}, ["mode"]),
    T("set_fan_speed", "Set the speed of a ceiling fan.",
      {"room": S("Room of the fan"), "speed": I("Fan speed level", 0, 5)}, ["room", "speed"]),
    # ---------------------------------------------------------------- messaging
    T("send_message", "Send a text message to a contact.",
      {"recipient": S("Contact name or phone number"), "message": S("Text of the message")},
      ["recipient", "message"]),
    T("send_email", "Send an email.",
      {"to": S("Recipient email address"), "subject": S("Subject line"), "body": S("Email body text"),
       "cc": A("Email addresses to copy", {"type": "string"}),
       "urgent": B("Mark the email as high importance")}, ["to", "subject", "body"]),
    T("make_phone_call", "Place a phone call to a contact or number.",
      {"contact": S("Name of the contact or a phone number"),
       "speakerphone": B("Start the call on speaker")}, ["contact"]),
    T("send_whatsapp_message", "Send a WhatsApp message to a person or group.",
      {"to": S("Person or group name"), "text": S("Message text")}, ["to", "text"]),
    T("post_to_slack", "Post a message to a Slack channel.",
      {"channel": S("Channel name, e.g. #general"), "text": S("Message to post"),
       "thread_ts": S("Timestamp of the thread to reply in")}, ["channel", "text"]),
    T("read_messages", "Read recent unread messages.",
      {"contact": S("Only messages from this contact"), "limit": I("Maximum number of messages", 1, 50)}, []),
    T("add_contact", "Add a new contact to the address book.",
      {"name": S("Full name"), "phone": S("Phone number"), "email": S("Email address"),
       "company": S("Company")}, ["name"]),
    # ---------------------------------------------------------------- calendar / timers / alarms
    T("set_alarm", "Set an alarm.",
      {"time": S("Alarm time, e.g. 7:30 am"), "label": S("Label for the alarm"),
       "repeat": A("Days on which the alarm repeats",
                   {"type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday", "friday",
                                               "saturday", "sunday"]})}, ["time"]),
    T("set_timer", "Start a countdown timer.",
      {"duration_minutes": I("Duration in minutes", 1, 600), "label": S("Name of the timer")},
      ["duration_minutes"]),
    T("create_calendar_event", "Create an event in the user's calendar.",
      {"title": S("Event title"), "date": S("Date of the event in YYYY-MM-DD format", format="date"),
       "start_time": S("Start time, HH:MM (24-hour)", format="time"),
       "duration_minutes": I("Length of the event in minutes", 5, 1440),
       "location": S("Where the event takes place"),
       "attendees": A("Email addresses of people to invite", {"type": "string"})},
      ["title", "date", "start_time"]),
    T("get_calendar_events", "List calendar events for a day.",
      {"date": S("The day to list, e.g. today, tomorrow or a date")}, ["date"]),
    T("cancel_event", "Cancel a calendar event by its title.",
      {"title": S("Title of the event to cancel"), "notify_attendees": B("Notify the attendees")}, ["title"]),
    T("create_reminder", "Create a reminder.",
      {"text": S("What to be reminded about"), "when": S("When to remind, e.g. tomorrow at 9 am"),
       "priority": E("Priority", ["low", "medium", "high"])}, ["text", "when"]),
    T("add_todo", "Add an item to a to-do list.",
      {"task": S("The task"), "list_name": S("Name of the list, e.g. groceries or work"),
       "due_date": S("Due date (YYYY-MM-DD)", format="date")}, ["task"]),
    T("start_stopwatch", "Start a stopwatch.", {}, []),
    T("get_world_time", "Get the current local time in a city.",
      {"city": S("City name")}, ["city"]),
    # ---------------------------------------------------------------- media
    T("play_music", "Play music by song, artist, album, genre or playlist.",
      {"query": S("Song, artist, album or playlist to play"),
       "shuffle": B("Shuffle playback"),
       "device": S("Speaker or device to play on")}, ["query"]),
    T("play_song", "Play a specific song.",
      {"song": S("Song title"), "artist": S("Artist name")}, ["song"]),
    T("set_volume", "Set the playback volume.",
      {"level": I("Volume level in percent", 0, 100), "device": S("Which speaker or device")}, ["level"]),
    T("pause_playback", "Pause whatever is playing.", {"device": S("Device to pause")}, []),
    T("skip_track", "Skip to the next or previous track.",
      {"direction": E("Which way to skip", ["next", "previous"]), "count": I("How many tracks", 1, 10)},
      ["direction"]),
    T("play_podcast", "Play the latest or a specific episode of a podcast.",
      {"podcast": S("Podcast name"), "episode": I("Episode number; latest when omitted", 1)}, ["podcast"]),
    T("play_movie", "Start a movie or TV show on a streaming service.",
      {"title": S("Movie or show title"),
       "service": E("Streaming service", ["Netflix", "Prime Video", "Disney+", "Hulu", "HBO Max", "YouTube"]),
       "device": S("TV or device to play on")}, ["title"]),
    T("add_to_playlist", "Add a song to a playlist.",
      {"song": S("Song title"), "playlist": S("Playlist name")}, ["song", "playlist"]),
    T("take_photo", "Take a photo with the camera.",
      {"camera": E("Which camera", ["front", "back"]), "timer_seconds": I("Self timer in seconds", 0, 30),
       "flash": B("Use the flash")}, []),
    # ---------------------------------------------------------------- navigation / weather
    T("get_directions", "Get directions between two places.",
      {"origin": S("Starting point; current location when omitted"), "destination": S("Where to go"),
       "mode": E("Travel mode", ["driving", "walking", "transit", "cycling"]),
       "avoid_tolls": B("Avoid toll roads")}, ["destination"]),
    T("get_traffic", "Get current traffic conditions on the way to a place.",
      {"destination": S("Destination")}, ["destination"]),
    T("find_nearby", "Find places of a kind near a location.",
      {"category": S("Kind of place, e.g. coffee shop, gas station, pharmacy"),
       "location": S("Location to search around; current location when omitted"),
       "radius_km": N("Search radius in kilometers", 0.1, 50),
       "open_now": B("Only places that are open now")}, ["category"]),
    T("get_weather", "Get the current weather for a location.",
      {"location": S("City or place name"),
       "units": E("Units", ["metric", "imperial"])}, ["location"]),
    T("get_weather_forecast", "Get the weather forecast for the next days.",
      {"city": S("City name"), "days": I("Number of days to forecast", 1, 14),
       "units": E("Units", ["metric", "imperial"])}, ["city"]),
    T("get_air_quality", "Get the air quality index for a city.", {"city": S("City")}, ["city"]),
    T("share_location", "Share the user's live location with a contact.",
      {"contact": S("Contact to share with"), "duration_minutes": I("How long to share", 15, 480)}, ["contact"]),
    T("call_ride", "Request a ride from a ride-hailing service.",
      {"pickup": S("Pickup address or place; current location when omitted"),
       "destination": S("Drop-off address or place"),
       "ride_type": E("Ride type", ["standard", "xl", "premium", "shared"]),
       "passengers": I("Number of passengers", 1, 6)}, ["destination"]),
    # ---------------------------------------------------------------- shopping / food
    T("add_to_shopping_list", "Add items to the shopping list.",
      {"items": A("Items to add", {"type": "string"}, minItems=1)}, ["items"]),
    T("search_products", "Search an online store for products.",
      {"query": S("What to search for"), "max_price": N("Maximum price in dollars", 0),
       "sort_by": E("Sort order", ["relevance", "price_low_to_high", "price_high_to_low", "rating"]),
       "prime_only": B("Only items with free fast shipping")}, ["query"]),
    T("track_package", "Track a package by its tracking number.",
      {"tracking_number": S("Tracking number"),
       "carrier": E("Shipping carrier", ["UPS", "FedEx", "USPS", "DHL"])}, ["tracking_number"]),
    T("order_food", "Order food delivery from a restaurant.",
      {"restaurant": S("Restaurant name"), "items": A("Dishes to order", {"type": "string"}, minItems=1),
       "delivery_address": S("Where to deliver")}, ["restaurant", "items"]),
    T("book_restaurant", "Book a table at a restaurant.",
      {"restaurant": S("Restaurant name"), "date": S("Date (YYYY-MM-DD)", format="date"),
       "time": S("Time (HH:MM, 24-hour)", format="time"), "party_size": I("Number of people", 1, 20)},
      ["restaurant", "date", "time", "party_size"]),
    T("find_recipe", "Find recipes by dish or ingredients.",
      {"query": S("Dish or keywords"), "ingredients": A("Ingredients to use", {"type": "string"}),
       "max_minutes": I("Maximum total cooking time in minutes", 5, 300),
       "diet": E("Dietary restriction", ["none", "vegetarian", "vegan", "gluten-free", "keto"])}, []),
    T("reorder_last_purchase", "Reorder an item bought before.",
      {"product": S("Product name"), "quantity": I("How many", 1, 20)}, ["product"]),
    # ---------------------------------------------------------------- finance
    T("get_stock_price", "Get the latest price of a stock.",
      {"symbol": S("Ticker symbol, e.g. AAPL")}, ["symbol"]),
    T("convert_currency", "Convert an amount between currencies.",
      {"amount": N("Amount to convert", 0), "from_currency": S("Three-letter source currency code"),
       "to_currency": S("Three-letter target currency code")}, ["amount", "from_currency", "to_currency"]),
    T("transfer_money", "Transfer money to a contact or account.",
      {"recipient": S("Name of the person or account"), "amount": N("Amount", 0.01),
       "currency": E("Currency", ["USD", "EUR", "GBP"]), "note": S("Note for the recipient")},
      ["recipient", "amount"]),
    T("get_account_balance", "Get the balance of a bank account.",
      {"account": E("Which account", ["checking", "savings", "credit card"])}, ["account"]),
    T("pay_bill", "Pay a bill.",
      {"payee": S("Who to pay, e.g. electricity company"), "amount": N("Amount in dollars", 0.01),
       "date": S("Payment date (YYYY-MM-DD)", format="date")}, ["payee", "amount"]),
    T("list_transactions", "List recent transactions.",
      {"days": I("How many days back", 1, 365), "category": S("Spending category, e.g. groceries"),
       "min_amount": N("Only transactions at least this large")}, []),
    T("split_bill", "Split a bill between people and compute each share.",
      {"total": N("Total amount", 0), "people": I("Number of people", 2, 50),
       "tip_percent": N("Tip in percent", 0, 50)}, ["total", "people"]),
    T("calculate_mortgage", "Calculate the monthly payment of a mortgage.",
      {"principal": N("Loan amount in dollars", 1000), "annual_rate": N("Annual interest rate in percent", 0, 25),
       "years": I("Term in years", 1, 40)}, ["principal", "annual_rate", "years"]),
    # ---------------------------------------------------------------- developer tools
    T("create_github_issue", "Open an issue in a GitHub repository.",
      {"repo": S("Repository as owner/name"), "title": S("Issue title"), "body": S("Issue description"),
       "labels": A("Labels", {"type": "string"})}, ["repo", "title"]),
    T("list_pull_requests", "List pull requests of a repository.",
      {"repo": S("Repository as owner/name"), "state": E("State", ["open", "closed", "merged", "all"]),
       "author": S("Only pull requests by this user")}, ["repo"]),
    T("run_tests", "Run the test suite of a project.",
      {"path": S("Test file or directory"), "verbose": B("Verbose output"),
       "filter": S("Only tests whose name contains this")}, []),
    T("deploy_service", "Deploy a service to an environment.",
      {"service": S("Service name"), "environment": E("Target environment", ["dev", "staging", "production"]),
       "version": S("Version or git tag to deploy")}, ["service", "environment"]),
    T("get_service_logs", "Fetch recent logs of a service.",
      {"service": S("Service name"), "lines": I("Number of lines", 1, 1000),
       "level": E("Minimum log level", ["debug", "info", "warning", "error"])}, ["service"]),
    T("restart_service", "Restart a running service.",
      {"service": S("Service name"), "environment": E("Environment", ["dev", "staging", "production"])},
      ["service"]),
    T("run_sql_query", "Run a read-only SQL query against a database.",
      {"database": S("Database name"), "query": S("SQL statement")}, ["database", "query"]),
    T("create_branch", "Create a git branch.",
      {"name": S("Branch name"), "from_branch": S("Branch to start from")}, ["name"]),
    # ---------------------------------------------------------------- files / notes
    T("search_files", "Search files on the computer by name or content.",
      {"query": S("Name or text to look for"), "folder": S("Folder to search in"),
       "file_type": E("Type of file", ["any", "document", "image", "video", "audio", "pdf"])}, ["query"]),
    T("create_note", "Create a note.",
      {"title": S("Note title"), "content": S("Text of the note"), "tags": A("Tags", {"type": "string"})},
      ["content"]),
    T("open_file", "Open a file.", {"path": S("Path of the file")}, ["path"]),
    T("delete_file", "Delete a file.",
      {"path": S("Path of the file"), "permanent": B("Skip the trash and delete permanently")}, ["path"]),
    T("share_file", "Share a file with someone.",
      {"path": S("Path of the file"), "email": S("Email address to share with"),
       "permission": E("Access level", ["view", "comment", "edit"])}, ["path", "email"]),
    T("compress_files", "Create a zip archive from files.",
      {"files": A("Paths of the files", {"type": "string"}, minItems=1), "archive_name": S("Name of the zip file")},
      ["files"]),
    # ---------------------------------------------------------------- travel
    T("search_flights", "Search for flights.",
      {"origin": S("Departure city or airport code"), "destination": S("Arrival city or airport code"),
       "departure_date": S("Departure date (YYYY-MM-DD)", format="date"),
       "return_date": S("Return date (YYYY-MM-DD) for round trips", format="date"),
       "passengers": I("Number of passengers", 1, 9),
       "cabin": E("Cabin class", ["economy", "premium_economy", "business", "first"])},
      ["origin", "destination", "departure_date"]),
    T("book_hotel", "Book a hotel room.",
      {"city": S("City"), "check_in": S("Check-in date (YYYY-MM-DD)", format="date"),
       "check_out": S("Check-out date (YYYY-MM-DD)", format="date"), "guests": I("Number of guests", 1, 10),
       "max_price_per_night": N("Maximum price per night in dollars", 0)},
      ["city", "check_in", "check_out"]),
    T("get_flight_status", "Get the status of a flight.",
      {"flight_number": S("Flight number, e.g. UA 123"), "date": S("Flight date")}, ["flight_number"]),
    T("translate_text", "Translate text into another language.",
      {"text": S("Text to translate"), "target_language": S("Language to translate into"),
       "source_language": S("Language of the text; detected when omitted")}, ["text", "target_language"]),
    T("rent_car", "Reserve a rental car.",
      {"pickup_location": S("Where to pick up the car"), "pickup_date": S("Pick-up date (YYYY-MM-DD)", format="date"),
       "days": I("Rental length in days", 1, 60),
       "car_class": E("Car class", ["economy", "compact", "midsize", "suv", "van"])},
      ["pickup_location", "pickup_date", "days"]),
    # ---------------------------------------------------------------- fitness / health
    T("log_workout", "Log a workout.",
      {"activity": E("Type of workout", ["running", "cycling", "swimming", "walking", "yoga", "strength"]),
       "duration_minutes": I("Duration in minutes", 1, 600), "distance_km": N("Distance in kilometers", 0),
       "calories": I("Calories burned", 0)}, ["activity", "duration_minutes"]),
    T("log_water_intake", "Log how much water was drunk.",
      {"amount_ml": I("Amount in milliliters", 50, 3000)}, ["amount_ml"]),
    T("get_step_count", "Get the number of steps walked.",
      {"date": S("Day to report, e.g. today or yesterday")}, []),
    T("log_meal", "Log a meal in the food diary.",
      {"meal": E("Which meal", ["breakfast", "lunch", "dinner", "snack"]), "food": S("What was eaten"),
       "calories": I("Calories", 0, 5000)}, ["meal", "food"]),
    T("start_workout", "Start tracking a workout session.",
      {"activity": E("Activity", ["run", "walk", "bike", "swim", "hiit", "yoga"]),
       "goal": O("Optional goal for the session",
                 {"type": E("Kind of goal", ["distance", "time", "calories"]),
                  "value": N("Goal amount (km, minutes or kcal)", 0)}, ["type", "value"])}, ["activity"]),
    T("log_weight", "Record body weight.",
      {"weight": N("Weight", 20, 300), "unit": E("Unit", ["kg", "lb"])}, ["weight"]),
    T("book_appointment", "Book an appointment with a service provider.",
      {"provider": S("Doctor, salon or business name"), "date": S("Date (YYYY-MM-DD)", format="date"),
       "time": S("Time (HH:MM)", format="time"), "reason": S("Reason for the visit"),
       "contact": O("Contact details for the booking", {"name": S("Full name"), "phone": S("Phone number")},
                    ["name"])}, ["provider", "date", "time"]),
    # ---------------------------------------------------------------- misc
    T("calculate", "Evaluate an arithmetic expression.", {"expression": S("The expression, e.g. 12*7+3")},
      ["expression"]),
    T("search_web", "Search the web.", {"query": S("Search query"), "num_results": I("How many results", 1, 20)},
      ["query"]),
    T("get_news", "Get the latest news headlines.",
      {"topic": S("Topic, e.g. technology or sports"), "country": S("Country"),
       "limit": I("Number of headlines", 1, 20)}, []),
    T("set_do_not_disturb", "Turn do-not-disturb mode on or off.",
      {"enabled": B("True to turn on"), "until": S("When to turn it off again, e.g. 8 am")}, ["enabled"]),
    T("set_brightness", "Set the screen brightness.", {"level": I("Brightness in percent", 0, 100)}, ["level"]),
    T("toggle_wifi", "Turn Wi-Fi on or off.", {"enabled": B("True to turn Wi-Fi on")}, ["enabled"]),
    T("get_definition", "Look up the definition of a word.",
      {"word": S("The word"), "language": S("Language of the dictionary")}, ["word"]),
]
