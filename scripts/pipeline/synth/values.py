"""Value samplers: realistic values per JSON type, parameter name and description.

Every sampler returns a :class:`Val`: ``value`` goes into the answer, ``text`` into the query (as a
protected segment that typo noise never touches), ``norm`` says the answer value was normalised
(number, boolean, enum, ISO date) and so need not occur in the query verbatim.
"""

from __future__ import annotations

import functools
import re

# ----------------------------------------------------------------------------------------------
# pools
FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
         "Richard Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Lisa Matthew Nancy Anthony "
         "Betty Mark Sandra Paul Ashley Steven Emily Andrew Donna Kevin Michelle Brian Carol George "
         "Amanda Tim Melissa Jason Deborah Ryan Laura Jacob Rebecca Gary Sharon Nick Cynthia Eric "
         "Kathleen Jonathan Amy Stephen Anna Larry Angela Justin Emma Scott Olivia Brandon Sophia "
         "Ben Ava Samuel Mia Greg Isabella Alex Chloe Patrick Grace Jack Zoe Dennis Lily Jerry "
         "Hannah Tyler Nora Aaron Leah Jose Maya Adam Priya Henry Aisha Nathan Yuki Noah Wei "
         "Zachary Fatima Kyle Sofia Ethan Lucia Liam Ingrid Carlos Mei Omar Elena Raj Chen Diego "
         "Amara Luca Kenji Marta Pierre Anya Tom Jake Dan Sam Max Leo Kate Beth Jen Mom Dad").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
        "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim Chen "
        "Singh Müller Rossi Tanaka Silva Kowalski Okafor Haddad Larsen Novak Dubois Schmidt Ivanova "
        "O'Brien Murphy Cohen Park Sato Khan Ali Costa Fischer Weber Moreau Bianchi").split()
CITIES = ["Paris", "London", "New York", "Tokyo", "Berlin", "San Francisco", "Chicago", "Boston",
          "Seattle", "Austin", "Denver", "Miami", "Los Angeles", "Toronto", "Vancouver", "Sydney",
          "Melbourne", "Madrid", "Barcelona", "Rome", "Milan", "Amsterdam", "Dublin", "Lisbon",
          "Prague", "Vienna", "Zurich", "Stockholm", "Oslo", "Copenhagen", "Helsinki", "Warsaw",
          "Budapest", "Athens", "Istanbul", "Cairo", "Nairobi", "Lagos", "Cape Town", "Dubai",
          "Mumbai", "Delhi", "Bangalore", "Singapore", "Bangkok", "Hong Kong", "Seoul", "Osaka",
          "Beijing", "Shanghai", "Mexico City", "Buenos Aires", "São Paulo", "Lima", "Bogotá",
          "Montreal", "Atlanta", "Portland", "Phoenix", "Dallas", "Houston", "Nashville",
          "Philadelphia", "Edinburgh", "Manchester", "Munich", "Hamburg", "Lyon", "Nice", "Kyoto",
          "Honolulu", "Reykjavik", "Marrakech", "Hanoi", "Jakarta", "Manila", "Auckland", "Perth",
          "San Diego", "Las Vegas", "Orlando", "Minneapolis", "Pittsburgh", "Brooklyn", "Oakland"]
COUNTRIES = ["France", "Germany", "Japan", "Canada", "Brazil", "India", "Italy", "Spain", "Mexico",
             "Australia", "the United States", "the UK", "China", "South Korea", "Kenya", "Nigeria",
             "Egypt", "Norway", "Sweden", "Portugal", "Greece", "Turkey", "Argentina", "Chile",
             "Vietnam", "Thailand", "Indonesia", "Ireland", "Poland", "the Netherlands", "Switzerland",
             "New Zealand", "Peru", "Colombia", "Morocco", "South Africa"]
STATES = ["California", "Texas", "New York", "Florida", "Washington", "Oregon", "Colorado", "Ohio",
          "Illinois", "Georgia", "Massachusetts", "Arizona", "Nevada", "Ontario", "Bavaria"]
STREETS = ["Main Street", "Oak Avenue", "Maple Drive", "Elm Street", "Park Lane", "5th Avenue",
           "Market Street", "Baker Street", "Sunset Boulevard", "Lake Shore Drive", "Pine Road",
           "Cedar Court", "High Street", "Broadway", "Mission Street", "King Street", "Church Road"]
PLACES = ["the airport", "the office", "home", "the train station", "Central Park", "the gym",
          "the mall", "downtown", "the library", "the hospital", "Union Station", "Times Square",
          "the Eiffel Tower", "Golden Gate Park", "the beach", "the university", "JFK airport",
          "Heathrow", "the stadium", "the museum", "Grand Central"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Apple", "Google", "Microsoft", "Amazon", "Tesla",
             "Netflix", "Spotify", "Nike", "Adobe", "Samsung", "Toyota", "IBM", "Intel", "Nvidia",
             "Stripe", "Shopify", "Airbnb", "Uber", "Pfizer", "Siemens", "Unilever", "Boeing"]
TICKERS = ["AAPL", "MSFT", "GOOGL", "AMZN", "TSLA", "NVDA", "META", "NFLX", "IBM", "INTC", "AMD",
           "DIS", "KO", "PEP", "JPM", "V", "BA", "UBER", "SHOP", "BTC", "ETH"]
PRODUCTS = ["wireless headphones", "running shoes", "a coffee maker", "an air fryer", "a yoga mat",
            "a laptop stand", "AA batteries", "a phone charger", "a desk lamp", "paper towels",
            "a water bottle", "noise cancelling headphones", "a mechanical keyboard", "a backpack",
            "a winter jacket", "an electric toothbrush", "a blender", "sunscreen", "dog food",
            "a 4K monitor", "an iPhone case", "a standing desk", "coffee beans", "a tent"]
PRODUCTS_BARE = ["headphones", "running shoes", "coffee maker", "air fryer", "yoga mat", "laptop",
                 "batteries", "charger", "desk lamp", "paper towels", "water bottle", "keyboard",
                 "backpack", "jacket", "toothbrush", "blender", "sunscreen", "dog food", "monitor",
                 "phone case", "desk", "coffee beans", "tent", "sneakers", "camera", "printer ink"]
FOODS = ["pizza", "sushi", "tacos", "pad thai", "ramen", "burgers", "a Caesar salad", "pho",
         "chicken curry", "pasta carbonara", "falafel", "dim sum", "a burrito", "fried rice",
         "lasagna", "pancakes", "banana bread", "chocolate cake", "vegetable soup", "guacamole"]
CUISINES = ["Italian", "Mexican", "Japanese", "Chinese", "Thai", "Indian", "French", "Greek",
            "Korean", "Vietnamese", "Ethiopian", "Lebanese", "Spanish", "vegan", "vegetarian"]
INGREDIENTS = ["chicken", "eggs", "flour", "milk", "butter", "garlic", "onions", "tomatoes",
               "rice", "spinach", "cheese", "basil", "lemons", "potatoes", "salmon", "tofu",
               "avocado", "carrots", "sugar", "olive oil", "mushrooms", "bell peppers"]
COLORS = ["red", "blue", "green", "warm white", "purple", "orange", "yellow", "pink", "cool white",
          "teal", "black", "white"]
GENRES = ["jazz", "rock", "hip hop", "classical", "pop", "lo-fi", "country", "electronic",
          "indie folk", "R&B", "metal", "reggae", "blues", "ambient", "k-pop"]
MOVIE_GENRES = ["comedy", "action", "horror", "drama", "sci-fi", "documentary", "thriller",
                "romance", "animation", "fantasy"]
ARTISTS = ["Taylor Swift", "The Beatles", "Beyoncé", "Miles Davis", "Radiohead", "Adele",
           "Kendrick Lamar", "Coldplay", "Daft Punk", "Billie Eilish", "Fleetwood Mac", "Drake",
           "Norah Jones", "Queen", "Bob Dylan", "Dua Lipa", "Ed Sheeran", "Nirvana", "BTS",
           "Frank Ocean", "Bad Bunny", "Arctic Monkeys", "Bach", "Mozart"]
SONGS = ["Bohemian Rhapsody", "Hey Jude", "Blinding Lights", "Shape of You", "Clair de Lune",
         "Yesterday", "Let It Be", "Levitating", "Bad Guy", "Hotel California", "Imagine",
         "Superstition", "Wonderwall", "Take Five", "Halo", "Someone Like You", "Viva la Vida",
         "Anti-Hero", "Smells Like Teen Spirit", "Dancing Queen"]
PLAYLISTS = ["Morning Run", "Chill Vibes", "Focus", "Road Trip", "Workout Mix", "Dinner Party",
             "Sleep Sounds", "Discover Weekly", "90s Hits", "Study Beats"]
MOVIES = ["Inception", "The Godfather", "Interstellar", "Spirited Away", "The Matrix", "Parasite",
          "Dune", "Toy Story", "Pulp Fiction", "Casablanca", "Arrival", "The Dark Knight",
          "Jurassic Park", "Amélie", "Oppenheimer", "Barbie", "Up", "Alien", "Coco", "Heat"]
SHOWS = ["Breaking Bad", "The Office", "Stranger Things", "Friends", "The Crown", "Succession",
         "Planet Earth", "The Bear", "Severance", "Ted Lasso"]
BOOKS = ["Dune", "1984", "Pride and Prejudice", "The Hobbit", "Sapiens", "Educated",
         "The Great Gatsby", "Atomic Habits", "Project Hail Mary", "Beloved", "Moby Dick",
         "The Name of the Wind", "Thinking, Fast and Slow", "Circe", "Frankenstein"]
AUTHORS = ["Jane Austen", "George Orwell", "Toni Morrison", "Haruki Murakami", "Stephen King",
           "Ursula K. Le Guin", "Agatha Christie", "Mark Twain", "Chimamanda Ngozi Adichie",
           "J.R.R. Tolkien", "Yuval Noah Harari", "Octavia Butler"]
TEAMS = ["Lakers", "Warriors", "Celtics", "Real Madrid", "Barcelona", "Manchester United",
         "Arsenal", "Yankees", "Red Sox", "Dodgers", "Chiefs", "Eagles", "Bayern Munich",
         "Juventus", "Liverpool", "Knicks", "Bulls", "Packers", "Cowboys", "Chelsea"]
SPORTS = ["basketball", "soccer", "tennis", "baseball", "football", "hockey", "golf", "cricket",
          "rugby", "volleyball", "swimming", "cycling", "running", "yoga", "boxing"]
LANGUAGES = ["English", "Spanish", "French", "German", "Italian", "Japanese", "Chinese",
             "Korean", "Portuguese", "Arabic", "Hindi", "Russian", "Dutch", "Swedish", "Turkish"]
LANG_CODES = ["en", "es", "fr", "de", "it", "ja", "zh", "ko", "pt", "ar", "hi", "ru", "nl"]
PROG_LANGS = ["Python", "Rust", "JavaScript", "TypeScript", "Go", "Java", "C++", "Ruby", "Kotlin",
              "Swift", "SQL", "Haskell"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "CNY", "INR", "MXN", "BRL", "SEK"]
ROOMS = ["living room", "kitchen", "bedroom", "bathroom", "office", "garage", "hallway",
         "dining room", "basement", "kids room", "guest room", "porch", "master bedroom"]
DEVICES = ["TV", "speaker", "thermostat", "front door lock", "ceiling fan", "air purifier",
           "robot vacuum", "coffee machine", "garage door", "porch light", "dishwasher",
           "washing machine", "desk lamp", "smart plug"]
TOPICS = ["machine learning", "climate change", "renewable energy", "the French Revolution",
          "quantum computing", "healthy breakfast ideas", "remote work", "electric cars",
          "the stock market", "sleep hygiene", "marathon training", "space exploration",
          "ancient Rome", "cybersecurity", "interest rates", "photosynthesis", "urban gardening",
          "mental health", "cryptocurrency", "the Olympics", "black holes", "meal prep",
          "home workouts", "budget travel", "data privacy", "jazz history", "coral reefs"]
QUERIES = ["best pizza near me", "how to change a tire", "cheap flights to Lisbon",
           "python list comprehension", "weather this weekend", "vegan lasagna recipe",
           "symptoms of flu", "used cars under 10000", "Tokyo travel tips", "how to tie a tie",
           "latest iPhone reviews", "tax deadline 2025", "learn Spanish fast", "Mars rover news",
           "open source CRM", "best hiking trails", "remote jobs", "kids birthday ideas"]
MESSAGES = ["running 10 minutes late", "see you at 7", "can you pick up milk on the way home",
            "happy birthday!", "the meeting moved to Thursday", "call me when you land",
            "don't forget the tickets", "I'll be home soon", "dinner is ready",
            "thanks for yesterday", "are we still on for lunch?", "the package arrived",
            "good luck on your exam", "let's reschedule to next week", "I left the keys with Sam",
            "please review the draft", "the build is green again", "traffic is terrible, start without me",
            "love you", "can we talk later?", "I'm outside", "meeting notes are in the shared folder"]
SUBJECTS = ["Quarterly report", "Meeting tomorrow", "Invoice #4521", "Weekend plans",
            "Project update", "Quick question", "Team offsite", "Your order has shipped",
            "Follow-up on our call", "Budget review", "Vacation request", "Welcome aboard"]
EVENT_TITLES = ["Team standup", "Dentist appointment", "Lunch with Sarah", "Project review",
                "Yoga class", "Parent-teacher meeting", "Flight to Denver", "Sprint planning",
                "Doctor's appointment", "Book club", "1:1 with manager", "Haircut",
                "Soccer practice", "Date night", "Quarterly planning", "Coffee with Alex"]
TASKS = ["buy groceries", "call the plumber", "renew passport", "pay the electricity bill",
         "water the plants", "submit expense report", "book a vet appointment", "pick up dry cleaning",
         "finish the slides", "email the landlord", "take out the trash", "schedule car service",
         "back up the laptop", "return library books", "order birthday gift"]
NOTES = ["ideas for the blog post", "wifi password is on the fridge", "gift ideas for mom",
         "remember to stretch after runs", "parking spot is level 3 B12", "recipe needs 2 eggs",
         "questions for the interview", "books to read this summer"]
LABELS = ["Wake up", "Gym", "Take medicine", "Meeting", "School run", "Laundry", "Pizza",
          "Stand up and stretch", "Leave for work", "Bedtime"]
TAGS = ["urgent", "work", "personal", "finance", "travel", "family", "ideas", "health",
        "receipts", "important", "shopping", "projects"]
DEPARTMENTS = ["engineering", "marketing", "sales", "finance", "HR", "support", "legal", "design",
               "operations", "research"]
JOBS = ["software engineer", "data scientist", "nurse", "product manager", "teacher",
        "graphic designer", "accountant", "electrician", "marketing manager", "chef"]
AIRLINES = ["Delta", "United", "Lufthansa", "Air France", "Emirates", "British Airways", "KLM",
            "JetBlue", "Qantas", "Southwest", "ANA", "Ryanair"]
AIRPORTS = ["JFK", "LAX", "SFO", "ORD", "LHR", "CDG", "FRA", "AMS", "NRT", "HND", "SIN", "DXB",
            "SEA", "BOS", "ATL", "MAD", "FCO", "YYZ", "SYD", "DEN"]
HOTELS = ["Hilton Garden Inn", "the Marriott downtown", "Ace Hotel", "Hotel Lutetia",
          "The Plaza", "Holiday Inn Express", "the Grand Budapest", "Park Hyatt"]
RESTAURANTS = ["Nopa", "Joe's Pizza", "The French Laundry", "Sushi Zen", "Olive Garden",
               "Chez Panisse", "Blue Hill", "Shake Shack", "Café Luna", "The Golden Dragon"]
DISEASES = ["diabetes", "hypertension", "asthma", "migraine", "influenza", "COVID-19",
            "arthritis", "depression", "anemia", "pneumonia"]
DRUGS = ["ibuprofen", "amoxicillin", "metformin", "lisinopril", "paracetamol", "vitamin D",
         "atorvastatin", "insulin"]
SYMPTOMS = ["headache", "fever", "sore throat", "back pain", "nausea", "fatigue", "cough",
            "dizziness", "rash", "chest pain"]
ANIMALS = ["golden retriever", "cat", "parrot", "labrador", "rabbit", "horse", "beagle",
           "elephant", "dolphin", "tiger", "honeybee", "penguin"]
PLANTS = ["tomato", "basil", "monstera", "rose", "sunflower", "fiddle leaf fig", "lavender",
          "orchid", "succulent", "oak tree"]
MATERIALS = ["steel", "aluminum", "concrete", "carbon fiber", "glass", "copper", "timber",
             "polyethylene", "titanium", "graphene"]
SKILLS = ["Python", "public speaking", "project management", "data analysis", "photography",
          "negotiation", "machine learning", "UX design", "Spanish", "guitar"]
COURSES = ["Intro to Statistics", "Calculus II", "Organic Chemistry", "World History",
           "Machine Learning 101", "Creative Writing", "Microeconomics", "Linear Algebra"]
SUBJECTS_SCHOOL = ["math", "physics", "chemistry", "biology", "history", "literature",
                   "computer science", "economics", "geography", "art", "music"]
REPOS = ["needle/needle", "octocat/hello-world", "rust-lang/rust", "acme/web-app", "torvalds/linux",
         "facebook/react", "acme/payments-service", "openai/gym", "django/django"]
BRANCHES = ["main", "develop", "feature/login", "release-2.3", "fix/null-pointer", "staging"]
SERVICES = ["api-gateway", "auth-service", "billing", "web-frontend", "search-indexer",
            "notification-worker", "postgres", "redis-cache"]
ENVIRONMENTS = ["production", "staging", "dev", "qa"]
DOMAINS = ["example.com", "acme.io", "mysite.org", "shop.example.com", "docs.python.org",
           "github.com", "news.ycombinator.com", "wikipedia.org", "openweathermap.org"]
EMAIL_DOMAINS = ["gmail.com", "example.com", "acme.io", "outlook.com", "company.org", "yahoo.com"]
FILE_NAMES = ["report.pdf", "budget_2025.xlsx", "notes.txt", "photo.jpg", "presentation.pptx",
              "resume.docx", "data.csv", "config.yaml", "main.py", "invoice_0423.pdf", "logo.png",
              "backup.zip", "README.md", "song.mp3", "contract_v2.docx", "index.html"]
DIRS = ["/home/user/documents", "/var/log", "/tmp", "~/Downloads", "~/Pictures/2024",
        "/etc/nginx", "./src", "C:\\Users\\alex\\Desktop", "~/projects/needle", "/data/exports"]
GENERIC = ["standard", "basic", "premium", "default", "custom", "advanced", "daily", "weekly",
           "monthly", "public", "private", "online", "offline", "manual", "automatic", "full",
           "summary", "detailed", "primary", "secondary", "north", "south", "large", "small"]
UNITS_TEMP = ["celsius", "fahrenheit"]
PLATFORMS = ["Twitter", "Instagram", "Facebook", "LinkedIn", "TikTok", "YouTube", "Reddit"]
VEHICLES = ["Toyota Camry", "Honda Civic", "Tesla Model 3", "Ford F-150", "BMW X5",
            "Volkswagen Golf", "Subaru Outback"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SQL = ["SELECT * FROM users LIMIT 10", "SELECT count(*) FROM orders WHERE status = 'shipped'",
       "SELECT name, email FROM customers ORDER BY created_at DESC", "SELECT avg(price) FROM products",
       "SELECT * FROM events WHERE day = '2025-03-01'"]
EXPRESSIONS = ["12*7+3", "(45+17)/2", "2^10", "sqrt(144)", "15% of 80", "3.5*4", "1024/16", "99-37"]
SLACK_CHANNELS = ["#general", "#random", "#engineering", "#design-team", "#release", "#support", "#marketing"]
PODCASTS = ["The Daily", "Radiolab", "Serial", "Hardcore History", "99% Invisible", "Planet Money",
            "Lex Fridman Podcast", "Stuff You Should Know", "Huberman Lab"]
PLACE_KINDS = ["coffee shop", "gas station", "pharmacy", "grocery store", "ATM", "Italian restaurant",
               "parking garage", "hardware store", "bakery", "gym", "vet", "EV charger", "bookstore"]
VERSIONS = ["v2.3.1", "1.4.0", "2.0", "v0.9.12", "3.1.4", "release-2025.03", "v5"]
PAYEES = ["the electricity company", "Comcast", "my landlord", "AT&T", "the water utility",
          "Visa card", "State Farm", "the gym"]
SPEND_CATS = ["groceries", "dining", "travel", "utilities", "entertainment", "shopping", "transport",
              "subscriptions", "rent"]
PROVIDERS = ["Dr. Patel", "Dr. Nguyen", "Smile Dental", "Dr. Garcia", "Glow Hair Salon", "City Vet Clinic",
             "Dr. Schmidt", "Bright Eyes Optometry"]
VISIT_REASONS = ["annual checkup", "haircut", "teeth cleaning", "sore throat", "eye exam",
                 "vaccination", "follow-up", "back pain"]
GROCERIES = ["milk", "eggs", "bread", "bananas", "coffee", "toilet paper", "apples", "cheddar", "rice",
             "pasta", "olive oil", "orange juice", "chicken breast", "spinach", "yogurt", "butter"]
WORDS = ["serendipity", "ephemeral", "ubiquitous", "quixotic", "resilience", "melancholy", "gregarious",
         "algorithm", "paradigm", "nostalgia", "eloquent", "pragmatic", "whimsical", "ambiguous"]
TEST_PATHS = ["tests/test_api.py", "tests/", "src/lib.rs", "spec/models", "tests/integration",
              "test_parser.py"]
DATABASES = ["analytics", "users_db", "production", "sales", "inventory", "warehouse"]
DOORS = ["front door", "back door", "garage door", "side gate", "patio door"]
PASSWORDS = ["hunter2!", "P@ssw0rd123", "correct-horse-battery", "Tr0ub4dor&3", "s3cret!pass"]
NAMED = ["Atlas", "Orion", "Blue Ridge", "Project Phoenix", "Green Valley", "Aurora", "Horizon", "Nova",
         "Evergreen", "Silver Creek", "Falcon", "Zenith", "Northwind", "Red Rock", "Summit", "Apollo",
         "Lighthouse", "Maple Grove", "Starlight", "Riverside"]
FREE_TEXT = ["needs to be done before Friday", "client prefers email contact", "urgent, please prioritize",
             "follow up after the holidays", "includes travel expenses", "handle with care",
             "first draft, feedback welcome", "customer reported it twice", "see attached notes",
             "recurring every month", "low budget, high impact", "for the quarterly review"]
AUDIENCES = ["young adults", "small business owners", "college students", "parents", "retirees",
             "software developers", "teenagers", "first-time home buyers"]
DNA = ["ATGCGTACGTTAGC", "GATTACA", "ATGAAACCCGGGTTT", "CGTAGCTAGCTA", "TTAGGC"]
LEAGUES = ["Premier League", "NBA", "La Liga", "Serie A", "Bundesliga", "MLS", "NFL", "Champions League"]
ARTWORKS = ["The Starry Night", "Mona Lisa", "The Persistence of Memory", "Girl with a Pearl Earring",
            "The Scream", "Guernica", "The Birth of Venus"]
MUSIC_QUERIES = ARTISTS + SONGS + PLAYLISTS + [g + " music" for g in GENRES[:8]]

NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve"]


def _ordinal(d: int) -> str:
    if 10 <= d % 100 <= 20:
        return f"{d}th"
    return f"{d}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th') }".replace(" ", "")


class Val:
    __slots__ = ("value", "text", "cat", "norm")

    def __init__(self, value, text, cat, norm=False):
        self.value = value
        self.text = text
        self.cat = cat
        self.norm = norm


# ----------------------------------------------------------------------------------------------
# categories from parameter name / description

@functools.lru_cache(maxsize=200000)
def _words_of(name: str) -> tuple:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return tuple(w for w in re.split(r"[^A-Za-z0-9]+", s.lower()) if w)


def words_of(name: str) -> list[str]:
    """Split snake/camel/kebab/dotted names into lower-case words."""
    return list(_words_of(name))


# (category, name keywords (any word or joined name matches), description keywords)
_RULES = [
    ("email", ("email", "emails", "mail"), ("email address",)),
    ("phone", ("phone", "mobile", "telephone", "tel", "cell"), ("phone number",)),
    ("url", ("url", "uri", "link", "website", "endpoint", "webhook", "homepage"), ("url",)),
    ("ticker", ("ticker", "symbol", "stock"), ("stock symbol", "ticker")),
    ("currency", ("currency", "currencies"), ("currency code",)),
    ("path", ("path", "directory", "dir", "folder"), ("file path", "directory")),
    ("filename", ("filename", "file", "attachment", "document", "image", "photo"), ()),
    ("repo", ("repo", "repository"), ("repository",)),
    ("branch", ("branch",), ()),
    ("service", ("service", "container", "deployment", "pod"), ()),
    ("environment", ("environment", "env", "stage"), ()),
    ("password", ("password", "passwd", "credentials", "secret", "passphrase"), ()),
    ("version", ("version", "firmware", "release", "tag"), ()),
    ("domain", ("domain", "hostname", "host"), ("domain name",)),
    ("word", ("word",), ()),
    ("dna", ("sequence", "dna", "gene"), ("dna",)),
    ("audience", ("audience", "demographic"), ()),
    ("league", ("league", "tournament"), ()),
    ("artwork", ("artwork", "painting"), ()),
    ("free_text", ("description", "details", "comments", "reason", "explanation", "evaluation",
                   "instructions", "requirements", "constraints", "remarks", "notes", "feedback",
                   "problem", "allergies", "objective", "goal", "goals"), ()),
    ("username", ("username", "handle", "login", "user"), ("username",)),
    ("first_name", ("firstname", "first"), ()),
    ("last_name", ("lastname", "surname", "last"), ()),
    ("person", ("recipient", "contact", "person", "attendee", "attendees", "participant",
                "participants", "author", "assignee", "owner", "guest", "guests", "patient",
                "customer", "employee", "driver", "passenger", "student", "friend", "member",
                "name", "who", "invitee", "invitees", "to", "cc", "sender", "manager", "doctor",
                "reviewer", "candidate", "client", "traveler", "traveller", "player", "athlete",
                "therapist", "teacher", "instructor", "instructors", "coach", "lawyer", "writer",
                "director", "actor", "speaker", "host", "pilot", "nurse", "physician", "agent",
                "founder", "volunteer", "mentor", "tutor", "landlord", "tenant", "buyer", "seller",
                "supervisor", "chef", "photographer", "designer", "consultant", "representative",
                "fullname", "people", "users", "members"),
     ("name of the person", "person's name", "full name")),
    ("origin", ("origin", "from", "departure", "source", "start", "pickup", "departure_city"), ()),
    ("destination", ("destination", "dest", "arrival", "dropoff", "end"), ()),
    ("address", ("address", "street"), ("address",)),
    ("city", ("city", "town"), ("city",)),
    ("country", ("country", "nation"), ("country",)),
    ("state", ("state", "province", "region"), ()),
    ("zip", ("zip", "zipcode", "postal", "postcode"), ("zip code", "postal code")),
    ("location", ("location", "place", "where", "venue", "near", "area", "loc"), ("location",)),
    ("datetime", ("datetime", "timestamp"), ("date and time",)),
    ("date", ("date", "day", "birthday", "deadline", "due", "checkin", "checkout", "since",
              "until", "when"), ("date",)),
    ("time", ("time", "hour", "at"), ("time",)),
    ("duration", ("duration", "period", "interval", "length", "timeframe", "span"), ()),
    ("language", ("language", "lang", "locale"), ("language",)),
    ("company", ("company", "organization", "organisation", "employer", "brand", "vendor",
                 "manufacturer", "business", "org"), ("company",)),
    ("airline", ("airline", "carrier"), ()),
    ("airport", ("airport",), ("airport code",)),
    ("hotel", ("hotel",), ()),
    ("restaurant", ("restaurant",), ()),
    ("cuisine", ("cuisine",), ("cuisine",)),
    ("food", ("food", "dish", "meal", "recipe"), ()),
    ("ingredient", ("ingredient", "ingredients"), ()),
    ("color", ("color", "colour"), ()),
    ("genre", ("genre",), ()),
    ("artist", ("artist", "band", "singer", "musician", "composer"), ()),
    ("song", ("song", "track", "music"), ()),
    ("playlist", ("playlist",), ()),
    ("movie", ("movie", "film"), ()),
    ("show", ("show", "series", "episode"), ()),
    ("book", ("book", "novel"), ()),
    ("team", ("team", "club", "opponent"), ()),
    ("sport", ("sport",), ()),
    ("room", ("room", "zone"), ()),
    ("device", ("device", "appliance", "light", "lights", "speaker", "plug"), ()),
    ("product", ("product", "item", "items", "goods", "merchandise"), ()),
    ("platform", ("platform", "network"), ()),
    ("vehicle", ("vehicle", "car", "model"), ()),
    ("airplane", ("flight",), ()),
    ("subject", ("subject",), ("subject line",)),
    ("message", ("message", "body", "text", "content", "comment", "reply", "caption", "note",
                 "post", "tweet", "review", "memo", "prompt",
                 "sentence", "paragraph", "statement", "input"), ()),
    ("event_title", ("event", "meeting", "appointment", "summary"), ()),
    ("title", ("title", "label", "heading", "headline"), ()),
    ("task", ("task", "todo", "reminder", "chore"), ()),
    ("query", ("query", "keyword", "keywords", "search", "term", "terms", "q", "phrase",
               "question"), ("search",)),
    ("topic", ("topic", "subject", "theme", "interest", "interests", "field", "area"), ()),
    ("tag", ("tag", "tags", "labels"), ()),
    ("department", ("department", "team_name", "division"), ()),
    ("job", ("job", "position", "role", "occupation", "profession", "title"), ()),
    ("disease", ("disease", "condition", "illness", "diagnosis"), ()),
    ("drug", ("drug", "medication", "medicine"), ()),
    ("symptom", ("symptom", "symptoms"), ()),
    ("animal", ("animal", "species", "breed", "pet"), ()),
    ("plant", ("plant", "crop"), ()),
    ("material", ("material",), ()),
    ("skill", ("skill", "skills"), ()),
    ("course", ("course", "class"), ()),
    ("school_subject", ("subject",), ()),
    ("id", ("id", "ids", "uuid", "number", "no", "code", "key", "token", "reference", "ref",
            "account", "order", "sku", "isbn", "serial", "tracking", "confirmation", "invoice",
            "ticket", "booking", "reservation", "pin"), ("identifier", " id ")),
]


_DESC_RES = None


def _desc_res():
    global _DESC_RES
    if _DESC_RES is None:
        _DESC_RES = [(cat, re.compile(r"\b(?:" + "|".join(re.escape(k.strip()) for k in dk) + r")\b"))
                     for cat, _, dk in _RULES if dk]
    return _DESC_RES


_KEYMAP = None


def _keymap():
    global _KEYMAP
    if _KEYMAP is None:
        _KEYMAP = {}
        for cat, keys, _ in _RULES:
            for k in keys:
                _KEYMAP.setdefault(k, cat)
    return _KEYMAP


@functools.lru_cache(maxsize=200000)
def classify(name: str, desc: str) -> str:
    ws = words_of(name)
    km = _keymap()
    if not ws:
        return "generic"
    joined = "".join(ws)
    last = ws[-1]
    d = desc.lower()
    if "email" in d and ("address" in d or "email" in ws or last in ("to", "recipient", "cc", "recipients")):
        return "email"
    if "phone number" in d and "phone" not in ws and last in ("to", "contact", "recipient", "number"):
        return "phone"
    if joined in km and joined != "name":
        return km[joined]
    if last == "name" and len(ws) > 1:
        # "city_name" is a city, "team_name" a team, "formation_name" a proper name
        for w in reversed(ws[:-1]):
            if w in km and km[w] not in ("id", "free_text", "message"):
                return km[w]
        return "named"
    for w in [last] + ws[:-1][::-1]:
        if w in km:
            return km[w]
    for cat, rx in _desc_res():
        if rx.search(d):
            return cat
    return "generic"


_EG_RE = re.compile(r"\((?:e\.g\.|eg\.|e\.g|for example|such as|like)[,:]?\s*([^)]*)\)", re.I)
_EG2_RE = re.compile(r"(?:e\.g\.|for example|such as)[,:]?\s*([^.;()]*)", re.I)


def examples_from_description(desc: str) -> list[str]:
    """Values listed in a description: "(e.g., DNA, fingerprints, blood)" -> [DNA, fingerprints, blood]."""
    if not desc:
        return []
    m = _EG_RE.search(desc) or _EG2_RE.search(desc)
    if not m:
        return []
    body = m.group(1).strip().rstrip(".")
    parts = re.split(r",\s*|\s+or\s+|;\s*|/\s+", body)
    out = []
    for p in parts:
        p = p.strip().strip("'\"`").strip()
        if p.lower().startswith("and "):
            p = p[4:]
        if p.endswith("etc") or p.endswith("..."):
            continue
        if p.count("(") != p.count(")") or p.count('"') % 2:
            continue
        if 0 < len(p) <= 40 and "\n" not in p and len(p.split()) <= 5 and p not in out:
            out.append(p)
    return out


ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
ISO_DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?Z?$")


def is_iso_normalised(s: str) -> bool:
    return bool(ISO_DATE_RE.match(s) or ISO_TIME_RE.match(s) or ISO_DT_RE.match(s))


# ----------------------------------------------------------------------------------------------
# dates and times

def _rand_date(rng):
    y = rng.choice((2024, 2025, 2025, 2026, 2026, 2026, 2027))
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    return y, m, d


def date_surface(rng, y, m, d, with_year=None) -> str:
    """An unambiguous surface form of a known date."""
    mn, ms = MONTHS[m - 1], MONTHS_SHORT[m - 1]
    if with_year is None:
        with_year = rng.random() < 0.5
    forms_y = [f"{y:04d}-{m:02d}-{d:02d}", f"{mn} {d}, {y}", f"{d} {mn} {y}", f"{mn} {_ordinal(d)}, {y}",
               f"{ms} {d}, {y}", f"the {_ordinal(d)} of {mn} {y}"]
    forms = [f"{mn} {d}", f"{mn} {_ordinal(d)}", f"{d} {mn}", f"the {_ordinal(d)} of {mn}", f"{ms} {d}"]
    return rng.choice(forms_y if with_year else forms)


RELATIVE_DATES = ["today", "tomorrow", "tonight", "this weekend", "next week", "the day after tomorrow",
                  "this Friday", "next Monday", "next Friday", "on Saturday", "on Sunday",
                  "this evening", "tomorrow morning", "next month", "in two weeks", "in 3 days"]


def free_date(rng) -> str:
    r = rng.random()
    if r < 0.4:
        return rng.choice(RELATIVE_DATES)
    if r < 0.55:
        return rng.choice(WEEKDAYS) if rng.random() < 0.5 else "next " + rng.choice(WEEKDAYS)
    y, m, d = _rand_date(rng)
    if r < 0.7:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if r < 0.78:
        return f"{m:02d}/{d:02d}/{y}"
    return date_surface(rng, y, m, d)


def _rand_time(rng):
    h = rng.choice((6, 7, 7, 8, 8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 18, 19, 19, 20, 21, 22))
    mi = rng.choice((0, 0, 0, 0, 15, 30, 30, 45, 10, 20, 5))
    return h, mi


def time_surface(rng, h, mi) -> str:
    ap = "am" if h < 12 else "pm"
    if rng.random() < 0.3:
        ap = ap.upper() if rng.random() < 0.5 else ap[0] + "." + ap[1] + "."
    h12 = h % 12 or 12
    forms = [f"{h12}:{mi:02d} {ap}", f"{h:02d}:{mi:02d}", f"{h12}:{mi:02d}{ap}"]
    if mi == 0:
        forms += [f"{h12} {ap}", f"{h12}{ap}", f"{h12} o'clock" if 7 <= h12 <= 11 else f"{h12} {ap}"]
        if h == 12:
            forms.append("noon")
    elif mi == 30:
        forms.append(f"half past {h12}")
    return rng.choice(forms)


def free_time(rng) -> str:
    h, mi = _rand_time(rng)
    return time_surface(rng, h, mi)


# ----------------------------------------------------------------------------------------------
# string samplers per category

def _person(rng):
    r = rng.random()
    if r < 0.55:
        return rng.choice(FIRST)
    return rng.choice(FIRST) + " " + rng.choice(LAST)


def _email(rng):
    f, l = rng.choice(FIRST).lower(), rng.choice(LAST).lower().replace("'", "")
    f = f.encode("ascii", "ignore").decode() or "alex"
    l = l.encode("ascii", "ignore").decode() or "lee"
    user = rng.choice((f"{f}.{l}", f"{f}{rng.randint(1, 99)}", f"{f[0]}{l}", f, f"{f}_{l}"))
    return f"{user}@{rng.choice(EMAIL_DOMAINS)}"


def _phone(rng):
    a, b, c = rng.randint(200, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    return rng.choice((f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"+1 {a} {b} {c}", f"{a}{b}{c}",
                       f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                       f"+49 30 {rng.randint(100000, 999999)}"))


def _url(rng):
    d = rng.choice(DOMAINS)
    path = rng.choice(("", "/", "/about", "/blog/2024/05/launch", "/api/v1/items", "/docs/intro",
                       "/products/123", "/search?q=shoes", "/wiki/Rust_(programming_language)"))
    return rng.choice(("https://", "https://", "http://", "https://www.")) + d + path


def _address(rng):
    return f"{rng.randint(1, 2999)} {rng.choice(STREETS)}" + (
        f", {rng.choice(CITIES)}" if rng.random() < 0.5 else "")


def _id(rng, words):
    w = words[0] if words else "id"
    r = rng.random()
    if "order" in words:
        return rng.choice((f"ORD-{rng.randint(10000, 99999)}", f"{rng.randint(100000, 999999)}",
                           f"#{rng.randint(1000, 9999)}"[1:]))
    if "tracking" in words:
        return f"1Z{rng.randint(100000, 999999)}{rng.choice('ABCDEFG')}{rng.randint(1000, 9999)}"
    if "isbn" in words:
        return f"978-{rng.randint(0, 9)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}"
    if "account" in words:
        return rng.choice((f"{rng.randint(10000000, 99999999)}", f"ACC-{rng.randint(1000, 9999)}"))
    if "pin" in words:
        return f"{rng.randint(1000, 9999)}"
    if r < 0.3:
        return str(rng.randint(100, 99999))
    if r < 0.55:
        prefix = re.sub(r"[^a-z]", "", w)[:3].upper() or "ID"
        return f"{prefix}-{rng.randint(100, 9999)}"
    if r < 0.75:
        return "".join(rng.choice("abcdef0123456789") for _ in range(8))
    if r < 0.9:
        return f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randint(1000, 99999)}"
    return f"{w[:4]}_{rng.randint(1, 999)}"


def _username(rng):
    f = rng.choice(FIRST).lower().encode("ascii", "ignore").decode() or "sam"
    return rng.choice((f"@{f}{rng.randint(1, 999)}", f"{f}_{rng.choice(LAST).lower()}", f"{f}{rng.randint(1, 99)}",
                       f"the_real_{f}", f"{f}.codes")).replace("'", "")


def _path(rng, words):
    d = rng.choice(DIRS)
    if "dir" in words or "directory" in words or "folder" in words:
        return d
    sep = "\\" if "\\" in d else "/"
    return d.rstrip("/\\") + sep + rng.choice(FILE_NAMES)


def _duration(rng):
    return rng.choice((f"{rng.randint(2, 90)} minutes", f"{rng.randint(1, 8)} hours", "half an hour",
                       "an hour", f"{rng.randint(2, 14)} days", "a week", f"{rng.randint(2, 6)} weeks",
                       "90 minutes", "1 month", f"{rng.randint(10, 59)} seconds"))


_SIMPLE = {
    "city": CITIES, "country": COUNTRIES, "state": STATES, "company": COMPANIES, "ticker": TICKERS,
    "currency": CURRENCIES, "airline": AIRLINES, "airport": AIRPORTS, "hotel": HOTELS,
    "restaurant": RESTAURANTS, "cuisine": CUISINES, "food": FOODS, "ingredient": INGREDIENTS,
    "color": COLORS, "artist": ARTISTS, "song": SONGS, "playlist": PLAYLISTS, "movie": MOVIES,
    "show": SHOWS, "book": BOOKS, "team": TEAMS, "sport": SPORTS, "room": ROOMS, "device": DEVICES,
    "product": PRODUCTS_BARE, "platform": PLATFORMS, "vehicle": VEHICLES, "subject": SUBJECTS,
    "message": MESSAGES, "event_title": EVENT_TITLES, "task": TASKS, "query": QUERIES + TOPICS,
    "topic": TOPICS, "tag": TAGS, "department": DEPARTMENTS, "job": JOBS, "disease": DISEASES,
    "drug": DRUGS, "symptom": SYMPTOMS, "animal": ANIMALS, "plant": PLANTS, "material": MATERIALS,
    "skill": SKILLS, "course": COURSES, "school_subject": SUBJECTS_SCHOOL, "repo": REPOS,
    "branch": BRANCHES, "service": SERVICES, "environment": ENVIRONMENTS, "filename": FILE_NAMES,
    "title": EVENT_TITLES + BOOKS[:6] + SUBJECTS[:6], "genre": GENRES,
    "sql": SQL, "expression": EXPRESSIONS, "slack_channel": SLACK_CHANNELS, "podcast": PODCASTS,
    "place_kind": PLACE_KINDS, "version": VERSIONS, "payee": PAYEES, "spend_category": SPEND_CATS,
    "provider": PROVIDERS, "visit_reason": VISIT_REASONS, "grocery": GROCERIES, "word": WORDS,
    "test_path": TEST_PATHS, "database": DATABASES, "door": DOORS, "password": PASSWORDS,
    "named": NAMED, "free_text": FREE_TEXT, "audience": AUDIENCES, "dna": DNA, "league": LEAGUES,
    "tv": ["living room TV", "bedroom TV", "Chromecast", "Apple TV", "projector", "kitchen TV"],
    "speaker": ["kitchen speaker", "Sonos", "living room speaker", "Echo Dot", "HomePod", "bedroom speaker"],
    "artwork": ARTWORKS, "music_query": MUSIC_QUERIES, "domain": DOMAINS, "note": NOTES, "label": LABELS,
}


def sample_string(rng, cat: str, words: list[str], desc: str, examples: list[str]):
    """-> (value, category) for a free string parameter (value copied into the query)."""
    if examples and (cat in ("generic", "named", "free_text", "id") or rng.random() < 0.6):
        return rng.choice(examples), cat
    if cat == "person":
        return _person(rng), cat
    if cat == "first_name":
        return rng.choice(FIRST), cat
    if cat == "last_name":
        return rng.choice(LAST), cat
    if cat == "username":
        return _username(rng), cat
    if cat == "email":
        return _email(rng), cat
    if cat == "phone":
        return _phone(rng), cat
    if cat == "url":
        return _url(rng), cat
    if cat == "address":
        return _address(rng), cat
    if cat == "zip":
        return rng.choice((str(rng.randint(10000, 99999)), f"SW1A {rng.randint(1, 9)}AA", f"{rng.randint(10000, 99999)}")), cat
    if cat in ("location", "origin", "destination"):
        r = rng.random()
        if r < 0.7:
            return rng.choice(CITIES), cat
        if r < 0.85:
            return rng.choice(PLACES), cat
        return _address(rng), cat
    if cat == "date":
        return free_date(rng), cat
    if cat == "time":
        return free_time(rng), cat
    if cat == "datetime":
        return f"{free_date(rng)} at {free_time(rng)}", cat
    if cat == "duration":
        return _duration(rng), cat
    if cat == "language":
        if "code" in words:
            return rng.choice(LANG_CODES), cat
        if "programming" in words or "programming" in desc.lower():
            return rng.choice(PROG_LANGS), cat
        return rng.choice(LANGUAGES), cat
    if cat == "id":
        return _id(rng, words), cat
    if cat == "path":
        return _path(rng, words), cat
    if cat == "airplane":
        return f"{rng.choice(('UA', 'DL', 'BA', 'LH', 'AF', 'AA'))}{rng.randint(10, 2999)}", "id"
    if cat == "product" and rng.random() < 0.3:
        return rng.choice(PRODUCTS), cat
    pool = _SIMPLE.get(cat)
    if pool:
        return rng.choice(pool), cat
    return None, cat


def generic_string(rng, words: list[str]) -> str:
    """Last resort for an unknown string parameter: a plausible short value."""
    if words and words[-1] in ("name", "title"):
        return rng.choice(NAMED)
    r = rng.random()
    if r < 0.45:
        return rng.choice(TOPICS)
    if r < 0.75:
        return rng.choice(GENERIC)
    return rng.choice(CITIES + COMPANIES + PRODUCTS_BARE)


def number_words(n: int) -> str | None:
    return NUM_WORDS[n] if 0 <= n < len(NUM_WORDS) else None
