"""Hand-written queries that need no tool (chit-chat, general knowledge, opinions, meta questions).

Rows built from these get tools sampled from the pool minus "general" tools (web search, Q&A,
jokes, calculators ...) that could plausibly answer them, and ``answers == []``.
"""

GENERAL_TOOL_WORDS = frozenset("""search web wiki wikipedia chat ask answer answers question questions knowledge
google bing browse assistant joke jokes trivia fact facts quote quotes llm gpt define definition
dictionary translate translation calculator calculate math arithmetic explain explanation advice
recommend recommendation chatbot conversation talk greeting greet poem story write writing essay
generate generator summarize summary encyclopedia lookup general riddle compliment motivation
inspiration""".split())

_RAW = """
hi
hello there
hey, how's it going?
good morning!
good night
thanks!
thank you so much, that was really helpful
ok cool
never mind
nevermind, forget it
that's all for now
you're awesome
lol
haha that's funny
what's your name?
who made you?
are you a robot?
are you human?
how old are you?
do you have feelings?
what can you do?
what are you good at?
can you hear me?
I'm bored
I'm so tired today
I had a really long day at work
I'm feeling a bit down
I just got promoted!
I passed my driving test today
my cat knocked over my coffee again
ugh, Mondays
I can't sleep
I'm nervous about my presentation tomorrow
that's great news
sorry, wrong window
oops
just testing
test
hmm
let me think about it
I'll get back to you
what do you think about pineapple on pizza?
do you like music?
what's your favorite color?
what's your favorite movie?
do you dream?
what is the meaning of life?
is it better to rent or buy a house?
should I learn Rust or Go first?
cats or dogs?
what's the difference between a latte and a cappuccino?
why is the sky blue?
why do cats purr?
how do airplanes stay in the air?
how does photosynthesis work?
what causes the seasons?
why is the ocean salty?
how do vaccines work?
what is inflation?
what is a black hole?
how far is the moon from the earth?
who wrote Romeo and Juliet?
who painted the Mona Lisa?
who was the first person on the moon?
what is the capital of Australia?
what's the capital of Canada?
what language do they speak in Brazil?
how many continents are there?
how many bones are in the human body?
what is the largest planet in our solar system?
what's the tallest mountain in the world?
what's the longest river in Africa?
when did World War II end?
who invented the telephone?
what does DNA stand for?
what does HTTP stand for?
what is machine learning?
explain recursion like I'm five
what is a neural network in simple terms?
what's the difference between RAM and storage?
what is the difference between weather and climate?
is a tomato a fruit or a vegetable?
why do we yawn?
do fish sleep?
can penguins fly?
how do bees make honey?
what's the speed of light?
what is the boiling point of water?
why do leaves change color in the fall?
tell me something interesting
tell me about yourself
how are you today?
how was your weekend?
what did you do today?
do you know any good books?
any tips for staying focused?
how can I be more productive?
how do I get better at public speaking?
how do I make friends in a new city?
how do I deal with stress?
what's a good way to start running?
is coffee bad for you?
how much water should I drink a day?
how many hours of sleep do adults need?
what are some good habits to build?
how do I stop procrastinating?
I think I'm going to take a nap
I'm going to the gym later
we're having pasta tonight
my sister is visiting this weekend
I finally finished that book
I love rainy days
it's so hot today
what a beautiful day
I just moved to a new apartment
I'm learning to play the guitar
I started a new job last week
my flight got delayed, ugh
happy new year!
merry christmas!
happy friday!
congratulations to me, I ran my first 10k
I miss my friends
my phone battery is terrible
I'm thinking about getting a dog
what should I name my goldfish?
give me a moment
hold on a sec
wait
no
yes
maybe
sure
okay
alright, thanks
perfect, thank you
that's not what I meant
can you repeat that?
I don't understand
what do you mean?
huh?
why?
really?
interesting
good to know
cool, thanks for the info
see you later
bye
goodbye!
talk to you tomorrow
I'll be back in 5 minutes
brb
how do you pronounce "quinoa"?
what rhymes with orange?
is it "affect" or "effect" here?
what's the plural of octopus?
what is the past tense of "swim"?
what's a synonym for happy?
spell "necessary" for me
how do you say hello in Japanese?
what's the origin of the word "robot"?
what's the best way to learn a language?
which is heavier, a kilo of feathers or a kilo of steel?
if a tree falls in a forest and no one hears it, does it make a sound?
what came first, the chicken or the egg?
do you believe in aliens?
is time travel possible?
what happens when we die?
what's the best pizza topping?
what's your opinion on remote work?
is social media good or bad?
do you think AI will take over the world?
what would you do with a million dollars?
if you could travel anywhere, where would you go?
what's the best decade for music?
should I text him back?
am I overthinking this?
I can't decide what to wear
my plants keep dying, any idea why?
what's a good gift for a 5 year old?
I forgot my friend's birthday, what should I do?
how do I apologize to someone?
how do I tell my boss I need a day off?
what should I cook for a first date?
how do I get rid of hiccups?
is it normal to feel tired after lunch?
why does my neck hurt when I use my laptop?
what's a healthy breakfast?
is it okay to skip breakfast?
how do you boil an egg?
how long do you cook pasta?
what goes well with salmon?
can dogs eat chocolate?
why do dogs wag their tails?
how long do cats live?
what's the difference between a crocodile and an alligator?
how are rainbows formed?
why is Pluto not a planet anymore?
how hot is the sun?
how big is the universe?
what is gravity?
what is the theory of relativity about?
who was Albert Einstein?
who is Ada Lovelace?
what was the Renaissance?
why did the Roman Empire fall?
what's the story of the Trojan horse?
what does "carpe diem" mean?
what does "break a leg" mean?
what's the meaning of "serendipity"?
how does the stock market work, roughly?
what is a credit score?
what's the difference between a Roth IRA and a traditional IRA?
is it smart to pay off debt before investing?
what's compound interest?
how do credit cards make money?
what is blockchain?
how does wifi work?
what is the cloud?
what is an API?
why do computers need to restart?
what's the difference between Python 2 and 3?
is JavaScript the same as Java?
what's a good first programming language?
what's the best text editor?
tabs or spaces?
how long does it take to learn to code?
I wrote my first program today!
my code finally compiles
my tests are failing and I don't know why
I hate merge conflicts
just saying hi
nothing, just checking in
I was just wondering how you work
you're pretty smart
you're not very helpful today
that answer was wrong
stop
cancel that
forget what I said
actually, don't do anything
no thanks, I'm good
I don't need anything right now
not now
later maybe
I changed my mind
I'll do it myself
how's the weather where you are?
do you ever get tired?
do you like your job?
what languages do you speak?
can you keep a secret?
do you remember me?
what day is it for you?
what's up?
sup
yo
what's new?
long time no see
it's been a while
I'm back
guess what
you won't believe what happened today
I saw a double rainbow this morning
my son lost his first tooth
we adopted a kitten
the game last night was incredible
I burned the toast again
my neighbor's dog won't stop barking
I think it's going to be a good week
wish me luck
fingers crossed
I'm so excited for the weekend
can't wait for summer
winter is coming
it's my birthday today!
I'm turning 30 next month, feeling old
what's a good name for a band?
tell me a fun fact about octopuses... actually never mind
why is the number 7 considered lucky?
what's the most spoken language in the world?
which country has the most people?
how many people live on earth?
what's the smallest country in the world?
what is the deepest point in the ocean?
how old is the universe?
what's the hardest natural substance?
why do onions make you cry?
why is yawning contagious?
why do we have fingerprints?
how do chameleons change color?
how do birds know where to migrate?
what makes a good leader?
how do I become a better listener?
what is mindfulness?
how do I start meditating?
is it worth learning to play chess?
what's the point of philosophy?
what is stoicism?
what do you think makes people happy?
"""

NO_CALL_TEXTS = [ln.strip() for ln in _RAW.strip().splitlines() if ln.strip()]
